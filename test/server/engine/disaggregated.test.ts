import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { createEngine, kvTransferSeconds, VirtualClock } from '../../../server/engine';
import { parseProfile, readProfileSource, withServingOptions, type Profile } from '../../../server/profiles';
import { Rng } from '../../../common/random';
import { runCli } from '../../helpers/cli';
import { startMockProcess } from '../../helpers/mock-process';

// Llama-3.1-8B BF16 on H100 without step noise, so every time below is the step cost's own.
const quiet = (fleet: Record<string, unknown>) => parseProfile({ ...readProfileSource('llama-3.1-8b-h100').raw, jitter_sigma: 0, fleet }, 'quiet');

/** When each token of one request reached the client, on the virtual clock. */
function tokenTimesOf(profile: Profile, promptTokens: number, outputTokens: number): number[] {
  const clock = new VirtualClock();
  const engine = createEngine(profile, clock, new Rng(1));
  const times: number[] = [];
  engine.submit({ id: 'one', promptTokens, outputTokens }, { onTokens: (count, at_ms) => times.push(...Array<number>(count).fill(at_ms)), onFinished() {} });
  clock.run();
  return times;
}
const tokenTimes = (fleet: Record<string, unknown>, promptTokens: number, outputTokens: number) => tokenTimesOf(quiet(fleet), promptTokens, outputTokens);

describe('disaggregated prefill and decode', () => {
  test('TTFT is the prefill step plus the KV transfer, hand-computed: 125.673 + 42.970 = 168.643 ms; decoding follows on the decode replica', () => {
    // Prefill of 4,096 tokens (step-cost.test.ts): 115.6232 linear + 8.8961 attention + 1.154 overhead = 125.6733 ms.
    // KV: 2 · 32 layers · 8 heads · 128 · 2 B = 131,072 B/token × 4,096 = 536,870,912 B over 100 Gbit/s (12.5 GB/s) = 42.9497 ms, + 20 µs.
    // Token 2: a decode step at context 4,097: 6.84867 linear + 131,072 × 4,097 B ÷ 2.345 TB/s = 0.22900 attention + 1.154 = 8.23167 ms.
    const times = tokenTimes({ prefill_replicas: 1, decode_replicas: 1, kv_link_gbps: 100, kv_link_latency_us: 20 }, 4096, 3);
    expect(times).toHaveLength(3);
    expect(times[0]).toBeCloseTo(168.643, 2);
    expect(times[1] - times[0]).toBeCloseTo(8.2317, 3);
    expect(times[2]).toBeCloseTo(185.1064, 2);
    // Colocated, the first token comes straight off the prefill step.
    expect(tokenTimes({}, 4096, 3)[0]).toBeCloseTo(125.673, 2);
  });

  test('the transfer is latency + bytes / bandwidth', () => {
    expect(kvTransferSeconds({ bytesPerEngineToken: 131_072, bytesPerSecond: 12.5e9, latency_s: 20e-6, promptTokens: { promptTokenRatio: 1, promptTokenOffset: 0 } }, 4096)).toBeCloseTo(0.04296967, 8);
  });

  test('the transfer ships the KV of the tokens the engine prefilled: the profile\'s prompt ratio and offset applied', () => {
    // 4,096 counted tokens × 2 − 10 = 8,182 engine tokens: 20 µs + 8,182 · 131,072 B / 12.5 GB/s = 85.8145 ms.
    expect(kvTransferSeconds({ bytesPerEngineToken: 131_072, bytesPerSecond: 12.5e9, latency_s: 20e-6, promptTokens: { promptTokenRatio: 2, promptTokenOffset: -10 } }, 4096)).toBeCloseTo(0.0858144883, 8);
  });

  test("the default link is the hardware's interconnect, each device sending its shard: Llama-3.3-70B FP8 on 2×H100 moves 8,192 tokens in 2.98 ms + the link latency", () => {
    // 2 · 80 · 8 · 128 · 2 B (BF16 cache) = 327,680 B/token × 8,192 = 2.684e9 B over 2 × 450 GB/s = 2.9826 ms.
    const tp2 = parseProfile({ ...readProfileSource('llama-3.3-70b-fp8-h100x2').raw, jitter_sigma: 0 }, 'tp2');
    const disaggregated = withServingOptions(tp2, { prefillReplicas: 1, decodeReplicas: 1 });
    if (tp2.kind !== 'physics') throw new Error('physics expected');
    const transfer_ms = tokenTimesOf(disaggregated, 8192, 2)[0] - tokenTimesOf(tp2, 8192, 2)[0];
    expect(transfer_ms).toBeCloseTo(2.98262 + tp2.physics.linkLatency_us / 1000, 4);
  });

  test('1 prefill + 1 decode replica keep decode ITL p99 at least 30% below two colocated replicas under 6–10k-token prompts', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'tokenbench-disagg-'));
    const simulate = async (name: string, flags: string[]) => {
      const out = join(directory, name);
      const result = await runCli(['simulate', '--profile', 'llama-3.1-8b-h100', ...flags, '--workload', 'synthetic:prompt=uniform(6000,10000),output=256', '--rate', '2', '--requests', '300', '--seed', '4', '--out', out]);
      expect(result.code).toBe(0);
      return JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    };
    const colocated = await simulate('colocated', ['--replicas', '2']);
    const disaggregated = await simulate('disaggregated', ['--prefill-replicas', '1', '--decode-replicas', '1']);
    process.stdout.write(
      `ITL p99: colocated 2 replicas ${colocated.itl_ms.p99.toFixed(1)} ms, disaggregated 1+1 ${disaggregated.itl_ms.p99.toFixed(1)} ms; ` +
        `TTFT median ${colocated.ttft_ms.median.toFixed(1)} vs ${disaggregated.ttft_ms.median.toFixed(1)} ms\n`,
    );
    expect(disaggregated.completed).toBe(300);
    expect(disaggregated.itl_ms.p99).toBeLessThanOrEqual(0.7 * colocated.itl_ms.p99);
    expect(disaggregated.engine.replicas.map((replica: { name: string; routed: number }) => [replica.name, replica.routed])).toEqual([
      ['prefill-0', 300],
      ['decode-0', 300],
    ]);
  }, 120_000);
});

describe('disaggregation flags', () => {
  test.each([
    [['--prefill-replicas', '1'], /disaggregation needs both prefill_replicas and decode_replicas/],
    [['--prefill-replicas', '1', '--decode-replicas', '1', '--replicas', '2'], /replicas \(--replicas\) are colocated/],
    [['--kv-link-gbps', '100'], /need a disaggregated fleet/],
    [['--prefill-replicas', '1', '--decode-replicas', '1', '--kv-link-gbps', '0'], /--kv-link-gbps.*Expected a number above 0/],
    [['--prefill-replicas', '0', '--decode-replicas', '1'], /--prefill-replicas.*Expected a whole number from 1 to 1024/],
    [['--prefill-replicas', '1', '--decode-replicas', 'two'], /--decode-replicas.*Expected a whole number/],
    [['--prefill-replicas', '1', '--decode-replicas', '1', '--kv-link-latency-us', '-1'], /--kv-link-latency-us.*Expected a number of at least 0/],
  ])('simulate %j is refused with a message naming the flag', async (flags, message) => {
    const result = await runCli(['simulate', '--profile', 'llama-3.1-8b-h100', ...flags, '--requests', '2']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
  });

  test('a profile without a model (constant) cannot be disaggregated, and says why', async () => {
    const result = await runCli(['simulate', '--profile', 'constant', '--prefill-replicas', '1', '--decode-replicas', '1', '--requests', '2']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/disaggregated prefill\/decode needs a physics profile/);
  });

  test('serve --prefill-replicas 1 --decode-replicas 1 over real sockets: both pools in /metrics under vLLM\'s engine label', async () => {
    const mock = await startMockProcess(['--profile', 'llama-3.1-8b-h100', '--prefill-replicas', '1', '--decode-replicas', '1']);
    try {
      const client = new OpenAI({ baseURL: mock.baseURL, apiKey: 'x', maxRetries: 0 });
      const answer = await client.chat.completions.create({ model: 'llama-3.1-8b', messages: [{ role: 'user', content: 'Name three rivers.' }], max_tokens: 5, stream: false });
      expect(answer.usage?.completion_tokens).toBe(5);
      const metrics = await (await fetch(`${mock.url}/metrics`)).text();
      for (const engine of ['prefill-0', 'decode-0']) expect(metrics).toMatch(new RegExp(`vllm:num_requests_running\\{[^}]*engine="${engine}"`));
    } finally {
      await mock.close();
    }
  }, 30_000);
});
