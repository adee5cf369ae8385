import { startMock } from '../helpers/mock-server';
import type { RunningServer } from '../../server';
import { profileFromOptions } from '../../server/profiles';

// Streams framed as vLLM frames them, so clients that read vLLM (its own benchmark among them) read
// the mock the same way: the role chunk goes out with the first token, and the finish reason rides
// on the last token's chunk rather than on an extra, empty one.
let mock: RunningServer;
beforeAll(async () => {
  // A model that thinks without streaming its reasoning: its first tokens are never sent.
  const hidden = profileFromOptions({ profile: 'llama-3.1-8b-h100', reasoning: 'effort=high,stream=false' }, 'chatty');
  mock = await startMock({ profiles: ['constant', hidden] });
});
afterAll(() => mock.close());

/** Every SSE event of a streamed POST, with the ms since the request when its bytes arrived. */
async function events(path: string, body: Record<string, unknown>): Promise<Array<{ at_ms: number; data: any }>> {
  const start = performance.now();
  const response = await fetch(`${mock.baseURL}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ stream: true, ...body }) });
  expect(response.status).toBe(200);
  const decoder = new TextDecoder();
  const out: Array<{ at_ms: number; data: any }> = [];
  let buffered = '';
  for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
    const at_ms = performance.now() - start;
    buffered += decoder.decode(bytes, { stream: true });
    let end: number;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const frame = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const data = frame.split('\n').find((line) => line.startsWith('data: '))?.slice(6);
      if (data) out.push({ at_ms, data: data === '[DONE]' ? '[DONE]' : JSON.parse(data) });
    }
  }
  return out;
}

test("chat: the first event with choices (what vLLM's benchmark takes for the first token) arrives with the first token, 200 ms in", async () => {
  const stream = await events('/chat/completions', { model: 'constant-model', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 5 });
  const withChoices = stream.filter((event) => event.data !== '[DONE]' && event.data.choices.length > 0);
  expect(withChoices[0].at_ms).toBeGreaterThanOrEqual(180);
  expect(withChoices[0].data.choices[0].delta).toEqual({ role: 'assistant', content: '' });
  expect(withChoices[1].data.choices[0].delta.content.length).toBeGreaterThan(0);
  // Five tokens, the last carrying finish_reason; no empty finish-only chunk after it.
  const content = withChoices.slice(1);
  expect(content).toHaveLength(5);
  expect(content.map((event) => event.data.choices[0].finish_reason)).toEqual([null, null, null, null, 'length']);
  for (const event of content) expect(event.data.choices[0].delta.content.length).toBeGreaterThan(0);
});

test('completions: no empty finish-only chunk; the last token carries the finish reason', async () => {
  const stream = await events('/completions', { model: 'constant-model', prompt: 'Once', max_tokens: 4, stream_options: { include_usage: true } });
  const choices = stream.filter((event) => event.data !== '[DONE]' && event.data.choices.length > 0);
  expect(choices[0].at_ms).toBeGreaterThanOrEqual(180);
  expect(choices).toHaveLength(4);
  for (const event of choices) expect(event.data.choices[0].text.length).toBeGreaterThan(0);
  expect(choices.map((event) => event.data.choices[0].finish_reason)).toEqual([null, null, null, 'length']);
  // Then the usage chunk (no choices) and [DONE].
  expect(stream.slice(-2).map((event) => (event.data === '[DONE]' ? '[DONE]' : event.data.usage?.completion_tokens))).toEqual([4, '[DONE]']);
});

test('n = 2: one role chunk for both choices, and each choice finishes on its own last token', async () => {
  const stream = await events('/chat/completions', { model: 'constant-model', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 3, n: 2 });
  const chunks = stream.filter((event) => event.data !== '[DONE]');
  expect(chunks[0].data.choices.map((choice: { delta: unknown }) => choice.delta)).toEqual([{ role: 'assistant', content: '' }, { role: 'assistant', content: '' }]);
  for (const index of [0, 1]) {
    const own = chunks.slice(1).flatMap((event) => event.data.choices.filter((choice: { index: number }) => choice.index === index));
    expect(own.map((choice: { finish_reason: string | null }) => choice.finish_reason)).toEqual([null, null, 'length']);
  }
});

test('a tool call finishes on its last arguments chunk with tool_calls', async () => {
  const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
  const stream = await events('/chat/completions', { model: 'constant-model', messages: [{ role: 'user', content: 'Weather?' }], tools, tool_choice: 'required' });
  const chunks = stream.filter((event) => event.data !== '[DONE]').map((event) => event.data.choices[0]);
  const last = chunks[chunks.length - 1];
  expect(last.finish_reason).toBe('tool_calls');
  expect(last.delta.tool_calls[0].function.arguments.length).toBeGreaterThan(0);
  expect(chunks.slice(0, -1).every((choice: { finish_reason: string | null }) => choice.finish_reason === null)).toBe(true);
});

test('hidden reasoning that uses every token still ends the stream with a finish chunk (and the role chunk before it)', async () => {
  const stream = await events('/chat/completions', { model: 'llama-3.1-8b', messages: [{ role: 'user', content: 'Think' }], max_tokens: 3 });
  const chunks = stream.filter((event) => event.data !== '[DONE]').map((event) => event.data.choices[0]);
  expect(chunks).toEqual([
    { index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null },
    { index: 0, delta: {}, logprobs: null, finish_reason: 'length' },
  ]);
});

test("a tool call counts in vllm:request_success_total as finished_reason=\"stop\", as vLLM counts it", async () => {
  const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } } }];
  const before = await (await fetch(`${mock.url}/metrics`)).text();
  const count = (text: string, reason: string) => Number(new RegExp(`vllm:request_success_total\\{[^}]*finished_reason="${reason}"[^}]*model_name="constant-model"[^}]*\\} (\\d+)|vllm:request_success_total\\{[^}]*model_name="constant-model"[^}]*finished_reason="${reason}"[^}]*\\} (\\d+)`).exec(text)?.slice(1).find(Boolean) ?? 0);
  await events('/chat/completions', { model: 'constant-model', messages: [{ role: 'user', content: 'Look it up' }], tools, tool_choice: 'required', max_tokens: 200 });
  const after = await (await fetch(`${mock.url}/metrics`)).text();
  expect(after).not.toContain('finished_reason="tool_calls"');
  expect(count(after, 'stop') - count(before, 'stop')).toBe(1);
});
