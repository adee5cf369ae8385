import OpenAI from 'openai';
import { performance } from 'node:perf_hooks';
import { startMock } from '../helpers/mock-server';
import { startMockProcess } from '../helpers/mock-process';
import type { RunningServer } from '../../server';
import { predict } from '../../server/profiles/predict';
import { loadProfile } from '../../server/profiles/registry';
import { percentile } from '../../harness/metrics/percentiles';

// Qwen3-30B-A3B on one H100: a batch of 50 touches nearly all 128 experts each step, so its
// inter-token latency is several times a lone stream's. The served mock must show that.
const PROFILE = 'qwen3-30b-a3b-h100';
const OUTPUT_TOKENS = 80;

let mock: RunningServer;
let client: OpenAI;

beforeAll(async () => {
  mock = await startMock({ profiles: [PROFILE], seed: 3 });
  client = new OpenAI({ baseURL: mock.baseURL, apiKey: 'unused', maxRetries: 0 });
});
afterAll(() => mock.close());

/** Streams one answer and returns the gaps between content chunks, per token (ms). */
async function streamGaps(index: number): Promise<number[]> {
  const stream = await client.chat.completions.create({
    model: 'qwen3-30b-a3b',
    messages: [{ role: 'user', content: `Question ${index}: tell me about rivers.` }],
    max_tokens: OUTPUT_TOKENS,
    stream: true,
  });
  const arrivals: number[] = [];
  for await (const chunk of stream) if (chunk.choices[0]?.delta.content) arrivals.push(performance.now());
  return arrivals.slice(1).map((at, i) => at - arrivals[i]);
}

const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);

test('50 concurrent streams see a higher inter-token latency than 1 stream, close to what the model predicts', async () => {
  const alone = median(await streamGaps(0));
  const together = median((await Promise.all(Array.from({ length: 50 }, (_, i) => streamGaps(i + 1)))).flat());
  const profile = loadProfile(PROFILE);
  const predictedAlone = predict(profile, { batch: 1, promptTokens: 20, outputTokens: OUTPUT_TOKENS }).tpot_ms;
  const predictedTogether = predict(profile, { batch: 50, promptTokens: 20, outputTokens: OUTPUT_TOKENS }).tpot_ms;
  expect(together).toBeGreaterThan(alone * 2);
  // Real sockets on a shared machine add a little; the shape must hold within 25%.
  expect(alone).toBeGreaterThan(predictedAlone * 0.75);
  expect(alone).toBeLessThan(predictedAlone * 1.25);
  expect(together).toBeGreaterThan(predictedTogether * 0.75);
  expect(together).toBeLessThan(predictedTogether * 1.25);
  expect(mock.context.models.get('qwen3-30b-a3b')!.engine.stats()).toMatchObject({ running: 0, waiting: 0, kvBlocksUsed: 0 });
});

test('tokenbench serve composes a profile from --hardware/--model flags and streams its reasoning', async () => {
  const served = await startMockProcess(['--hardware', 'h100-sxm', '--model', 'llama-3.1-8b', '--reasoning', 'effort=low,tokens=40,stream=true', '--seed', '1']);
  try {
    const sdk = new OpenAI({ baseURL: served.baseURL, apiKey: 'unused', maxRetries: 0 });
    expect((await sdk.models.list()).data.map((model) => model.id)).toEqual(['llama-3.1-8b']);
    const stream = await sdk.chat.completions.create({ model: 'llama-3.1-8b', messages: [{ role: 'user', content: 'hi' }], max_tokens: 60, stream: true, stream_options: { include_usage: true } });
    let reasoning = 0;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      if ((chunk.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content) reasoning++;
      usage = chunk.usage ?? usage;
    }
    expect(reasoning).toBeGreaterThan(0);
    expect(usage?.completion_tokens_details?.reasoning_tokens).toBeGreaterThan(0);
  } finally {
    await served.close();
  }
});
