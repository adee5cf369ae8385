import { simulateOnVirtualClock } from '../../../harness/simulate/simulate';
import { summarizeRun } from '../../../harness/metrics/summary';
import { parseWorkload } from '../../../harness/workload';
import { Rng } from '../../../common/random';
import { BatchEngine, VirtualClock } from '../../../server/engine';
import { isPhysicsProfile, loadProfile, parseProfile, readProfileSource, type Profile } from '../../../server/profiles/registry';
import { decodeShape, stepCost, weightBytesRead } from '../../../server/profiles/step-cost';
import { engineConfigOf } from '../../../server/profiles/engine-config';

function run(profile: Profile, concurrency: number, requests: number, workload = 'synthetic:prompt=500,output=200', seed = 1) {
  const outcome = simulateOnVirtualClock(profile, parseWorkload(workload, seed), { pattern: { kind: 'closed', concurrency }, requests, warmup: 0, seed });
  return { outcome, summary: summarizeRun(outcome.records, outcome.duration_s) };
}

function withOverrides(name: string, overrides: Record<string, unknown>): Profile {
  const { raw } = readProfileSource(name);
  return parseProfile({ ...raw, ...overrides }, `${name}-variant`);
}

describe('continuous batching on the virtual clock', () => {
  const profile = loadProfile('llama-3.1-8b-h100');

  test('per-user tokens/s falls and aggregate throughput rises with concurrency, then saturates at max_num_seqs', () => {
    const levels = [1, 4, 16, 64, 256, 1024];
    const results = levels.map((concurrency) => run(profile, concurrency, Math.max(64, concurrency * 2)).summary);
    const perUser = results.map((summary) => 1000 / summary.tpot_ms.median);
    const aggregate = results.map((summary) => summary.output_throughput);
    for (let i = 1; i < levels.length - 1; i++) {
      expect(perUser[i]).toBeLessThan(perUser[i - 1]);
      expect(aggregate[i]).toBeGreaterThan(aggregate[i - 1] * 1.2);
    }
    // Beyond 256 seats, more clients only queue: throughput flat, time to first token balloons.
    expect(aggregate[5]).toBeLessThan(aggregate[4] * 1.15);
    expect(results[5].ttft_ms.median).toBeGreaterThan(results[4].ttft_ms.median * 5);
  });

  test('when the KV cache runs out, requests wait for blocks and TTFT jumps', () => {
    // 24% of 80 GB leaves ~3.1 GB of cache: about 24k tokens, room for ~19 sequences of 1,200 tokens.
    const small = withOverrides('llama-3.1-8b-h100', { gpu_memory_utilization: 0.24 });
    const roomy = run(profile, 64, 256, 'synthetic:prompt=1000,output=200').summary;
    const cramped = run(small, 64, 256, 'synthetic:prompt=1000,output=200').summary;
    expect(cramped.completed).toBe(256);
    expect(cramped.ttft_ms.median).toBeGreaterThan(roomy.ttft_ms.median * 3);
  });

  test('a running sequence that cannot grow preempts the newest one, which is recomputed and still finishes', () => {
    // Prompts that fit but whose answers outgrow the cache force preemption by recompute.
    const tiny = withOverrides('llama-3.1-8b-h100', { gpu_memory_utilization: 0.205 });
    const { outcome, summary } = run(tiny, 16, 48, 'synthetic:prompt=200,output=1500');
    expect(outcome.preemptions).toBeGreaterThan(0);
    expect(summary.completed).toBe(48);
    expect(outcome.records.every((record) => record.output_tokens === 1500)).toBe(true);
  });

  test('the engine reports waiting requests and KV usage while it is full', () => {
    const small = withOverrides('llama-3.1-8b-h100', { gpu_memory_utilization: 0.24 });
    if (!isPhysicsProfile(small)) throw new Error('physics expected');
    const clock = new VirtualClock();
    const engine = new BatchEngine(clock, engineConfigOf(small), new Rng(1));
    for (let i = 0; i < 40; i++) engine.submit({ id: String(i), promptTokens: 1000, outputTokens: 200 }, { onTokens() {}, onFinished() {} });
    clock.run(1500);
    const stats = engine.stats();
    expect(stats.waiting).toBeGreaterThan(0);
    expect(stats.running).toBeGreaterThan(0);
    expect(stats.kvCacheUsage).toBeGreaterThan(0.8);
    clock.run();
    expect(engine.stats()).toMatchObject({ running: 0, waiting: 0, kvBlocksUsed: 0 });
  });
});

describe('profile behaviours', () => {
  test('MoE: a batch-1 step reads the shared weights and k experts; a large batch reads them all', () => {
    const deepseek = loadProfile('deepseek-v3-h800x16');
    if (!isPhysicsProfile(deepseek)) throw new Error('physics expected');
    const setup = deepseek.physics;
    const expertBytes = 653.9e9; // FP8: one byte per weight
    const shared = 671e9 - expertBytes;
    expect(weightBytesRead(setup, 1)).toBeCloseTo(shared + (8 / 256) * expertBytes, -6);
    expect(weightBytesRead(setup, 2048)).toBeGreaterThan(shared + 0.999 * expertBytes);
    // And so a 64-sequence step costs much more memory time than a single one, unlike a dense model's.
    const single = stepCost(setup, decodeShape(setup, 1, 1000)).memory_s;
    const batch = stepCost(setup, decodeShape(setup, 64, 1000)).memory_s;
    expect(batch / single).toBeGreaterThan(10);
  });

  test('the LPU has zero jitter: every inter-token gap of a lone stream is identical, whatever the seed', () => {
    const groq = loadProfile('groq-llama-2-70b');
    const gaps = [1, 2].flatMap((seed) => run(groq, 1, 3, 'synthetic:prompt=300,output=50', seed).outcome.records.flatMap((record) => record.itl_ms));
    const first = gaps[0];
    expect(gaps.length).toBe(2 * 3 * 49);
    for (const gap of gaps) expect(gap).toBeCloseTo(first, 6); // equal to the nanosecond (float rounding of absolute times aside)
    // A GPU profile, by contrast, jitters.
    const gpuGaps = run(loadProfile('llama-3.1-8b-h100'), 1, 3, 'synthetic:prompt=300,output=50').outcome.records.flatMap((record) => record.itl_ms);
    expect(Math.max(...gpuGaps) - Math.min(...gpuGaps)).toBeGreaterThan(0.1);
  });

  test('speculative decoding delivers tokens in bursts averaging (1−α^(γ+1))/(1−α) per step', () => {
    const specdec = loadProfile('groq-llama-70b-specdec');
    const { outcome } = run(specdec, 1, 20, 'synthetic:prompt=200,output=400');
    const record = outcome.records[0];
    // Several tokens share one arrival: the per-chunk gaps are fewer than the tokens.
    expect(record.chunk_gaps_ms.length).toBeLessThan(record.itl_ms.length / 3);
    const chunks = outcome.records.reduce((sum, r) => sum + r.chunk_gaps_ms.length + 1, 0);
    const tokens = outcome.records.reduce((sum, r) => sum + r.output_tokens, 0);
    const expected = (1 - Math.pow(0.9, 9)) / (1 - 0.9); // 6.126
    // Streams end early when the answer is complete (the last burst is cut), so allow a little below.
    expect(tokens / chunks).toBeGreaterThan(expected * 0.85);
    expect(tokens / chunks).toBeLessThan(expected * 1.05);
  });

  test('reasoning: hidden tokens come first, so the first reasoning token precedes the first visible one', () => {
    const thinker = loadProfile('gpt-oss-120b-reasoning');
    const { outcome } = run(thinker, 4, 8, 'synthetic:prompt=300,output=50');
    for (const record of outcome.records) {
      expect(record.reasoning_tokens).toBeGreaterThan(0);
      expect(record.ttfrt_ms).not.toBeNull();
      expect(record.ttft_ms!).toBeGreaterThan(record.ttfrt_ms!);
      expect(record.output_tokens).toBe(record.reasoning_tokens + 50);
    }
  });
});
