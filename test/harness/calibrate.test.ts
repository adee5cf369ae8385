import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { pinCpuFlag, separateCpus, startMockProcess, type MockProcess } from '../helpers/mock-process';
import { readRun, runCli } from '../helpers/cli';

// Twenty requests per seat: with eight per seat the original's own TTFT median at concurrency 8 moved
// ±7% between runs, and a clean-clone CI run failed on that noise (twin +18%); at twenty the twin was
// within 3.3% in three runs out of three.
// Varied lengths, as real traffic has: identical requests in a closed loop march in lockstep waves whose
// grouping flips between runs, which would make any comparison of medians a coin toss.
const WORKLOAD = 'synthetic:prompt=lognormal(256,0.4),output=lognormal(32,0.4)';
const directory = mkdtempSync(join(tmpdir(), 'tokenbench-calibrate-'));
// The mock on one CPU and the harness's event loop on another, as in the trace replay test, so the
// two processes' measurements do not wait on each other's scheduling (where the machine allows).
const cpus = separateCpus();
const pin = pinCpuFlag(cpus?.harnessEventLoop);

async function measure(mock: MockProcess, concurrency: number, name: string) {
  const out = join(directory, name);
  const result = await runCli(['run', '--target', mock.baseURL, '--workload', WORKLOAD, '--concurrency', String(concurrency), '--requests', String(Math.max(24, concurrency * 20)), '--out', out, ...pin]);
  expect(result.code).toBe(0);
  return { out, summary: readRun(out).summary };
}

test('calibrate fits runs at concurrency 1, 4 and 16; the fitted mock matches the original at 8 and 32 (never shown to the fit) within 15%', async () => {
  const original = await startMockProcess(['--profile', 'llama-3.1-8b-h100'], { cpus: cpus?.mock });
  const training: string[] = [];
  const reference: Record<number, Awaited<ReturnType<typeof measure>>['summary']> = {};
  try {
    for (const concurrency of [1, 4, 16]) training.push((await measure(original, concurrency, `original-c${concurrency}`)).out);
    for (const concurrency of [8, 32]) reference[concurrency] = (await measure(original, concurrency, `original-c${concurrency}`)).summary;
  } finally {
    await original.close();
  }

  const profilePath = join(directory, 'fitted.yaml');
  const fit = await runCli(['calibrate', ...training, '--holdout', join(directory, 'original-c8'), join(directory, 'original-c32'), '--out', profilePath]);
  expect(fit.code).toBe(0);
  expect(fit.stdout).toContain('[holdout]');
  // Printed always: when the twin misses, this says whether the fit or the serving was off.
  process.stdout.write(fit.stdout);
  const profile = parseYaml(readFileSync(profilePath, 'utf8'));
  expect(profile).toMatchObject({ kind: 'fitted', model: 'llama-3.1-8b' });
  // In-sample TTFT medians at low concurrency swing with how the first requests happen to group into
  // batches (sub-millisecond arrival order), so the bar is loose; a fit stuck in the wrong basin
  // (prefill under the memory floor) was 33% off on every run.
  expect(profile.fit.in_sample_worst_error).toBeLessThan(0.2);
  expect(profile.fit.out_of_sample_worst_error).toBeLessThan(0.15);

  // The twin against the original measured again in the same minute, back to back at each load: the
  // fit's own holdout check above uses the first measurements; here the served twin meets the served
  // original under the same machine conditions (in full suites, minutes apart, they drifted by ~10%).
  const twin = await startMockProcess(['--profile', profilePath], { cpus: cpus?.mock });
  const again = await startMockProcess(['--profile', 'llama-3.1-8b-h100'], { cpus: cpus?.mock });
  try {
    for (const concurrency of [8, 32]) {
      const original = (await measure(again, concurrency, `original-again-c${concurrency}`)).summary;
      const { summary } = await measure(twin, concurrency, `twin-c${concurrency}`);
      process.stdout.write(
        `concurrency ${concurrency}: TTFT median ${original.ttft_ms.median.toFixed(1)} (first measured ${reference[concurrency].ttft_ms.median.toFixed(1)}) → twin ${summary.ttft_ms.median.toFixed(1)} ms, ` +
          `TPOT median ${original.tpot_ms.median.toFixed(2)} (${reference[concurrency].tpot_ms.median.toFixed(2)}) → ${summary.tpot_ms.median.toFixed(2)} ms\n`,
      );
      expect(Math.abs(summary.ttft_ms.median / original.ttft_ms.median - 1)).toBeLessThan(0.15);
      expect(Math.abs(summary.tpot_ms.median / original.tpot_ms.median - 1)).toBeLessThan(0.15);
    }
  } finally {
    await twin.close();
    await again.close();
  }
}, 300_000);
