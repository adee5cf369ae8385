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
  test('an open loop is saturated when it achieves under 90% of the offered rate, or fails over 10%', () => {
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
