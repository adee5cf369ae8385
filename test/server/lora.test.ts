import OpenAI from 'openai';
import { startMock } from '../helpers/mock-server';
import { isPhysicsProfile, parseProfile } from '../../server/profiles';
import { BatchEngine, VirtualClock } from '../../server/engine';
import { engineConfigOf } from '../../server/profiles/engine-config';
import { Rng } from '../../common/random';
import { runCli } from '../helpers/cli';
import type { RunningServer } from '../../server';

// LoRA adapters as vLLM's --lora-modules serves them: extra model ids on the base model's engine.
let mock: RunningServer;
let client: OpenAI;
const base = parseProfile({ kind: 'physics', hardware: 'h100-sxm', model: 'llama-3.1-8b', lora: ['sql-lora'], lora_step_overhead_us: 3000 }, 'with-lora');
beforeAll(async () => {
  mock = await startMock({ profiles: [base], lora: ['chat-lora'] });
  client = new OpenAI({ baseURL: mock.baseURL, apiKey: 'unused', maxRetries: 0 });
});
afterAll(() => mock.close());

test("adapters (from the profile's lora: list and the lora option) are model ids whose parent is the base model", async () => {
  const models = (await client.models.list()).data as Array<OpenAI.Model & { parent: string | null }>;
  expect(models.map((model) => [model.id, model.parent])).toEqual([
    ['llama-3.1-8b', null],
    ['sql-lora', 'llama-3.1-8b'],
    ['chat-lora', 'llama-3.1-8b'],
  ]);
});

test('an adapter request runs on the base engine and is counted under the base model', async () => {
  const completion = await client.chat.completions.create({ model: 'sql-lora', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 20, ignore_eos: true } as never);
  expect(completion.model).toBe('sql-lora');
  expect(completion.usage!.completion_tokens).toBe(20);
  const metrics = await (await fetch(`${mock.url}/metrics`)).text();
  expect(metrics).toMatch(/vllm:request_success_total\{model_name="llama-3.1-8b",engine="0",finished_reason="length"\} 1/);
  expect(metrics).not.toContain('model_name="sql-lora"');
});

test('a step with an adapter sequence lasts lora_step_overhead_us longer (virtual clock, hand-computed)', () => {
  if (!isPhysicsProfile(base)) throw new Error('physics expected');
  const finish = (adapter?: string) => {
    const clock = new VirtualClock();
    const engine = new BatchEngine(clock, { ...engineConfigOf(base), jitterSigma: 0 }, new Rng(1));
    let done_ms = NaN;
    engine.submit({ id: 'a', promptTokens: 100, outputTokens: 20, ...(adapter ? { adapter } : {}) }, { onTokens() {}, onFinished: (at_ms) => (done_ms = at_ms) });
    clock.run();
    return { done_ms, steps: engine.steps };
  };
  const plain = finish();
  const adapted = finish('sql-lora');
  expect(adapted.steps).toBe(plain.steps);
  // Every one of its steps (one prefill, then a decode per further token) is 3 ms longer.
  expect(adapted.done_ms - plain.done_ms).toBeCloseTo(plain.steps * 3, 6);
});

test("vllm:lora_requests_info names the adapters running while one runs, as vLLM's gauge does", async () => {
  const running = client.chat.completions.create({ model: 'chat-lora', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 60, ignore_eos: true } as never);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const during = await (await fetch(`${mock.url}/metrics`)).text();
  await running;
  expect(during).toMatch(/# TYPE vllm:lora_requests_info gauge/);
  expect(during).toMatch(/vllm:lora_requests_info\{max_lora="2",waiting_lora_adapters="",running_lora_adapters="chat-lora"\} \d+/);
  const after = await (await fetch(`${mock.url}/metrics`)).text();
  expect(after).toMatch(/vllm:lora_requests_info\{max_lora="2",waiting_lora_adapters="",running_lora_adapters=""\}/);
});

test('serve --lora adds adapters from the command line, and an empty name is an error naming the flag', async () => {
  const bad = await runCli(['serve', '--port', '0', '--profile', 'instant', '--lora', 'a,,b']);
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toMatch(/--lora: "a,,b" has an empty adapter name/);
});
