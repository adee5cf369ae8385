import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedLoopStart_ms, openLoopSchedule, rampedTime } from '../../harness/load/load-pattern';
import { kneeIndex, pastSaturation } from '../../harness/metrics/saturation';
import { runCli } from '../helpers/cli';
import type { RunSummary, SweepPoint } from '../../harness/types/run';

const point = (pattern: SweepPoint['pattern'], output_throughput: number, request_throughput = 1, failed = 0, ttft_median = 100): SweepPoint => ({
  pattern,
  directory: '',
  summary: { output_throughput, request_throughput, completed: 100 - failed, failed, ttft_ms: { median: ttft_median } } as RunSummary,
});

describe('saturation', () => {
  test('a closed loop is saturated when more users add under 5% throughput; the knee is the last real gain', () => {
    const points = [point({ kind: 'closed', concurrency: 1 }, 100), point({ kind: 'closed', concurrency: 2 }, 190), point({ kind: 'closed', concurrency: 4 }, 196)];
    expect(pastSaturation(points.slice(0, 2))).toBe(false);
    expect(pastSaturation(points)).toBe(true);
    expect(kneeIndex(points)).toBe(1);
  });
  test('a closed loop is also saturated when throughput grows under 25% while the median TTFT triples', () => {
    const points = [point({ kind: 'closed', concurrency: 16 }, 1362, 1, 0, 35), point({ kind: 'closed', concurrency: 32 }, 1956, 1, 0, 56), point({ kind: 'closed', concurrency: 64 }, 2100, 1, 0, 1351)];
    expect(pastSaturation(points.slice(0, 2))).toBe(false);
    expect(pastSaturation(points)).toBe(true);
    expect(kneeIndex(points)).toBe(1);
  });
  test('an open loop is saturated when it finishes requests under 90% as fast as it sent them (less the lightest point\'s latency spread over the span)', () => {
    const open = (rate_per_s: number, sent_per_s: number, finished_per_s: number, e2el = { min: 500, p99: 800 }): SweepPoint => ({
      ...point({ kind: 'open', rate_per_s, burstiness: 1 }, 0, finished_per_s),
      sent_per_s,
      finished_per_s,
      finished: 30 * rate_per_s,
      summary: { completed: 30 * rate_per_s, failed: 0, request_throughput: finished_per_s, output_throughput: 0, e2el_ms: e2el } as RunSummary,
    });
    // Poisson sends at 8.6 req/s for a nominal 10, finished as fast: keeping up, although under 90% of 10.
    expect(pastSaturation([open(10, 8.6, 8.59)])).toBe(false);
    // A 0.3 s latency spread over a 30 s span of sends: the bar is 90% − 1% of the sent rate.
    expect(pastSaturation([open(10, 10, 8.95)])).toBe(false);
    expect(pastSaturation([open(10, 10, 8.85)])).toBe(true);
    // The margin comes from the lightest point, not from a queue's own growth: 128 req/s against a capacity of 94.
    expect(pastSaturation([open(64, 64.3, 64.4), open(128, 127.6, 94.3, { min: 500, p99: 14_750 })])).toBe(true);
    expect(kneeIndex([open(64, 64.3, 64.4), open(128, 127.6, 94.3, { min: 500, p99: 14_750 })])).toBe(0);
    // Never saturated: no knee is claimed.
    expect(kneeIndex([open(1, 1, 1), open(2, 2, 2)])).toBeNull();
  });
  test('without send and finish rates (an old sweep.json), an open loop is judged on its request throughput, or fails over 10%', () => {
    expect(pastSaturation([point({ kind: 'open', rate_per_s: 10, burstiness: 1 }, 500, 9.5)])).toBe(false);
    expect(pastSaturation([point({ kind: 'open', rate_per_s: 10, burstiness: 1 }, 500, 8.5)])).toBe(true);
    expect(pastSaturation([point({ kind: 'open', rate_per_s: 10, burstiness: 1 }, 500, 9.9, 11)])).toBe(true);
  });
});

describe('ramp-up', () => {
  test('an open-loop rate climbing linearly over T: send time sqrt(2·T·t) during the ramp, t + T/2 after', () => {
    expect(rampedTime(500, 2000)).toBeCloseTo(Math.sqrt(2 * 2000 * 500), 9); // 1414.2 ms
    expect(rampedTime(1000, 2000)).toBeCloseTo(2000, 9); // the ramp's end
    expect(rampedTime(3000, 2000)).toBe(4000);
    expect(rampedTime(123, 0)).toBe(123);
    // Half as many sends in the ramp's 2 s as in the 2 s after it, at 50 req/s.
    const times = openLoopSchedule(400, 50, 1, 3, 2);
    const inRamp = times.filter((t) => t < 2000).length;
    const after = times.filter((t) => t >= 2000 && t < 4000).length;
    expect(inRamp / after).toBeGreaterThan(0.35);
    expect(inRamp / after).toBeLessThan(0.65);
  });
  test('a closed loop starts its workers evenly across the ramp', () => {
    expect([0, 1, 2, 3].map((worker) => closedLoopStart_ms(worker, 4, 2))).toEqual([0, 500, 1000, 1500]);
  });
});

test('sweep --simulate over 1…256 req/s with default settings puts the knee within 2× of the closed-loop capacity; descending rates are climbed in order', async () => {
  const out = mkdtempSync(join(tmpdir(), 'tokenbench-sweep-rates-'));
  const result = await runCli(['sweep', '--simulate', '--profile', 'llama-3.1-8b-h100', '--rates', '256,128,64,32,16,8,4,2,1', '--out', out]);
  expect(result.code).toBe(0);
  const sweep = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'));
  const rates = sweep.points.map((p: SweepPoint) => (p.pattern.kind === 'open' ? p.pattern.rate_per_s : 0));
  expect(rates).toEqual(rates.slice().sort((a: number, b: number) => a - b));
  const capacityRun = join(out, 'capacity');
  expect((await runCli(['simulate', '--profile', 'llama-3.1-8b-h100', '--concurrency', '1024', '--requests', '6000', '--out', capacityRun])).code).toBe(0);
  const capacity = JSON.parse(readFileSync(join(capacityRun, 'summary.json'), 'utf8')).request_throughput;
  expect(sweep.saturated).toBe(true);
  const knee = rates[sweep.knee_index];
  process.stdout.write(`closed-loop capacity ${capacity.toFixed(1)} req/s; knee at ${knee} req/s\n`);
  expect(knee).toBeGreaterThanOrEqual(capacity / 2);
  expect(knee).toBeLessThanOrEqual(capacity * 2);
  // Each open-loop point ran at least 30 s of arrivals.
  expect(sweep.points[0].summary.completed).toBeGreaterThanOrEqual(200);
}, 120_000);

test('a sweep that never saturates claims no knee, and says so', async () => {
  const out = mkdtempSync(join(tmpdir(), 'tokenbench-sweep-unsaturated-'));
  const result = await runCli(['sweep', '--simulate', '--profile', 'llama-3.1-8b-h100', '--rates', '1,2,4', '--out', out]);
  expect(result.code).toBe(0);
  const sweep = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'));
  expect(sweep.saturated).toBe(false);
  expect(sweep.knee_index).toBeNull();
  expect(result.stdout).not.toMatch(/knee/);
  expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/\*\*No knee\*\*: no load saturated the endpoint; sweep higher loads to find its limit/);
}, 60_000);

test('tokenbench sweep --simulate climbs concurrencies, stops one point past saturation and marks the knee', async () => {
  const out = mkdtempSync(join(tmpdir(), 'tokenbench-sweep-'));
  const result = await runCli(['sweep', '--simulate', '--profile', 'llama-3.1-8b-h100', '--workload', 'synthetic:prompt=1000,output=200', '--out', out]);
  expect(result.code).toBe(0);
  const sweep = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'));
  const concurrencies = sweep.points.map((p: SweepPoint) => (p.pattern.kind === 'closed' ? p.pattern.concurrency : 0));
  // The profile has 256 seats: 512 users add nothing, so the sweep stops there, knee at 256.
  expect(concurrencies).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
  expect(sweep.saturated).toBe(true);
  expect(concurrencies[sweep.knee_index]).toBe(256);
  const report = readFileSync(join(out, 'report.md'), 'utf8');
  expect(report).toContain('256 **(knee)**');
  expect(readFileSync(join(out, sweep.points[0].directory, 'results.jsonl'), 'utf8').split('\n').filter(Boolean)).toHaveLength(32);
});
