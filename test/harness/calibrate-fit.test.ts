import { join } from 'node:path';
import { fitProfile } from '../../harness/calibrate/calibrate';
import { readRunDirectory } from '../../harness/results/run-dir';

// Three runs measured against `serve --profile llama-3.1-8b-h100` at concurrency 1, 4 and 16 (kept
// fields only). With the serving overhead measured that day, 1.1443 ms, a fit started only from the
// memory-bound side stayed there: memory floor 10.1 ms, almost no compute, every TPOT 33% high.
const FIXTURE = join(__dirname, 'fixtures', 'calibrate-memory-floor-basin');

test('calibrate finds compute-bound prefill where the data shows it, even when its first guess is memory-bound', () => {
  const runs = ['c1', 'c4', 'c16'].map((name) => readRunDirectory(join(FIXTURE, name)));
  const fit = fitProfile(runs, [], { localOverhead_ms: 1.1443, endpointIsTokenbench: true });
  for (const run of fit.inSample) {
    expect(Math.abs(run.error.ttft)).toBeLessThan(0.1);
    expect(Math.abs(run.error.tpot)).toBeLessThan(0.05);
  }
  // The profile's own physics: a lone decode step near the measured 8 ms, and a 256-token prefill
  // that costs more than the memory floor (the prompt, not the weights, bounds the first token).
  const step = fit.profile.step_ms as { memory_floor: number; compute_per_token: number };
  expect(step.memory_floor).toBeGreaterThan(6);
  expect(step.memory_floor).toBeLessThan(8);
  expect(step.compute_per_token * 256).toBeGreaterThan(step.memory_floor);
});
