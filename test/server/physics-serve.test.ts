import OpenAI from 'openai';
import { performance } from 'node:perf_hooks';
import { startMock } from '../helpers/mock-server';
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
