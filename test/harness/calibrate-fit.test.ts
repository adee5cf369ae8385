import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { fittedStepSeconds } from '../../server/profiles/fitted';
import { parseProfile, type FittedProfile } from '../../server/profiles';
import { runCli } from '../helpers/cli';
import { startMockProcess } from '../helpers/mock-process';
import { fitInWorker } from '../helpers/fit-in-worker';
import { measuredPromptTokenMapping, type CalibrationResult } from '../../harness/calibrate/calibrate';
import type { LoadedRun } from '../../harness/results/run-dir';
import { readRunDirectory } from '../../harness/results/run-dir';
import { jitterBeyondFloor, lognormalSigmaOf, p90ThroughNoise } from '../../harness/calibrate/jitter';

// Three runs measured against `serve --profile llama-3.1-8b-h100` at concurrency 1, 4 and 16 (kept
// fields only). With the serving overhead measured that day, 1.1443 ms, and no front-end delay to fit
// (one prompt length cannot tell it from prefill compute), a fit started only from the memory-bound
// side stayed there: memory floor 10.1 ms, almost no compute, every TPOT 33% high.
const FIXTURE = join(__dirname, 'fixtures', 'calibrate-memory-floor-basin');

// Three runs against a real llama.cpp engine (node-llama-cpp, 2 threads on this 2-core machine, the
// random-weight tiny Llama of scripts/llama) at concurrency 1, 2 and 4. The unbounded fit of the past
// wrote memory_floor 47,072 ms and api_overhead_ms 47,071 from them, 319,200% off, and exited 0.
const DIVERGED = join(__dirname, 'fixtures', 'calibrate-llama-cpp-diverged');

// The fits below are computation (worker threads, or calibrate's own process), and no test here holds
// a timing: started together, they share the machine's cores instead of taking turns.
const missOut = mkdtempSync(join(tmpdir(), 'tokenbench-calibrate-miss-'));
const started = {} as { memoryFloor: Promise<CalibrationResult>; diverged: Promise<CalibrationResult>; miss: ReturnType<typeof runCli>; noisy: Promise<NoisyCalibration> };
beforeAll(() => {
  started.memoryFloor = fitInWorker(['c1', 'c4', 'c16'].map((name) => join(FIXTURE, name)), [], { localOverhead_ms: 1.1443, fitFrontEnd: false });
  started.diverged = fitInWorker(['c1', 'c2', 'c4'].map((name) => join(DIVERGED, name)), [], { localOverhead_ms: 1 });
  started.miss = runCli(['calibrate', join(DIVERGED, 'c1'), join(DIVERGED, 'c2'), '--holdout', join(DIVERGED, 'c4'), '--out', missOut, '--max-error', '1%']);
  started.noisy = calibrateNoisyEndpoint();
  // Each test awaits its own; this only keeps a failure from counting as unhandled before then.
  for (const job of Object.values(started)) (job as Promise<unknown>).catch(() => undefined);
});

test('calibrate finds compute-bound prefill where the data shows it, even when its first guess is memory-bound', async () => {
  const fit = await started.memoryFloor;
  for (const run of fit.inSample) {
    expect(Math.abs(run.error.ttft)).toBeLessThan(0.1);
    expect(Math.abs(run.error.tpot)).toBeLessThan(0.05);
  }
  // The profile's own physics: a lone decode step near the measured 8 ms, and a 256-token prefill
  // that costs more than that step (the prompt, not the weights, bounds the first token).
  const step = (parseProfile(fit.profile, 'fitted') as FittedProfile).step_ms;
  const shape = { decodeSeqs: 0, decodeContextSum: 0, tokensPerDecodeSeq: 1, prefillTokens: 0, prefillAttentionSum: 0, prefillCachedContextSum: 0, prefillSeqs: 0 };
  const loneDecode_ms = fittedStepSeconds(step, { ...shape, decodeSeqs: 1, decodeContextSum: 256 }) * 1000;
  const prefill_ms = fittedStepSeconds(step, { ...shape, prefillSeqs: 1, prefillTokens: 256, prefillAttentionSum: 256 * 257 / 2 }) * 1000;
  expect(loneDecode_ms).toBeGreaterThan(6);
  expect(loneDecode_ms).toBeLessThan(9);
  expect(prefill_ms).toBeGreaterThan(loneDecode_ms);
});

test('runs that once sent the fit to absurd values now give knobs within what the measurements allow', async () => {
  const directories = ['c1', 'c2', 'c4'].map((name) => join(DIVERGED, name));
  const runs = directories.map((directory) => readRunDirectory(directory));
  const fit = await started.diverged;
  const step = fit.profile.step_ms as Record<string, number>;
  const minTtft = Math.min(...runs.map((run) => run.summary.ttft_ms.median));
  const minTpot = Math.min(...runs.map((run) => run.summary.tpot_ms.median));
  // No delay longer than the latency it explains: the front end under the fastest first token, the
  // per-step floor under the fastest decode step.
  expect(fit.profile.api_overhead_ms as number).toBeLessThan(minTtft);
  expect(step.memory_floor).toBeLessThanOrEqual(minTpot);
  expect(step.fixed).toBeLessThanOrEqual(minTpot);
  for (const value of Object.values(step)) expect(Number.isFinite(value)).toBe(true);
  expect(Math.max(...fit.inSample.flatMap((run) => [Math.abs(run.error.ttft), Math.abs(run.error.tpot)]))).toBeLessThan(0.6);
});

test('the twin runs as it was fitted: no prefix cache (the replayed records hold no text), and its step noise belongs to a step as long as the lightest TPOT', async () => {
  const fit = await started.diverged;
  const lightest = readRunDirectory(join(DIVERGED, 'c1'));
  expect(fit.profile.prefix_caching).toBe(false);
  expect(fit.profile.jitter_sigma as number).toBeGreaterThan(0);
  expect(fit.profile.jitter_reference_ms as number).toBeCloseTo(lightest.summary.tpot_ms.median, 2);
  const twin = parseProfile(fit.profile, 'twin') as FittedProfile;
  expect(twin.prefix_caching).toBe(false);
});

test('a calibration that misses --max-error exits 3 and says which figure at which load, in stdout and report.md', async () => {
  const out = missOut;
  const result = await started.miss;
  expect(result.code).toBe(3);
  expect(result.stdout).toMatch(/MISS: (TTFT|TPOT) median at closed loop, concurrency 4: endpoint [\d.]+ ms, twin [\d.]+ ms \([+-][\d.]+%\), beyond --max-error 1%/);
  const report = readFileSync(join(out, 'report.md'), 'utf8');
  expect(report).toContain('**Verdict: MISS**');
  expect(report).toContain('| validation | closed loop, concurrency 4 |');
  for (const chart of ['ttft.svg', 'tpot.svg']) expect(readFileSync(join(out, chart), 'utf8')).toContain('<svg');
  expect(parseYaml(readFileSync(join(out, 'profile.yaml'), 'utf8'))).toMatchObject({ kind: 'fitted', fit: { route: 'black-box' } });
});

test('calibrate names the flag or file it cannot use, and exits non-zero', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['calibrate', join(DIVERGED, 'c1'), '--out', '/tmp/x.yaml', '--max-error', 'abc'], /--max-error/],
    [['calibrate', join(DIVERGED, 'c1'), '--out', '/tmp/x.yaml', '--max-error', '0'], /--max-error/],
    [['calibrate', '--target', 'http://127.0.0.1:9/v1', '--out', '/tmp/x', '--budget-s', '-5'], /--budget-s/],
    [['calibrate', '--target', 'http://127.0.0.1:9/v1', '--out', '/tmp/x', '--max-concurrency', '2.5'], /--max-concurrency/],
    [['calibrate', join(DIVERGED, 'c1')], /--out is required/],
    [['calibrate', '--out', '/tmp/x'], /give --target URL/],
    [['calibrate', join(DIVERGED, 'no-such-run'), '--out', '/tmp/x.yaml'], /no-such-run is not a run directory/],
    [['calibrate', join(DIVERGED, 'c1'), '--out', '/tmp/x.yaml', '--hardware', 'no-such-gpu'], /--hardware/],
  ];
  for (const [args, message] of cases) {
    const result = await runCli(args);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
  }
});

/** A run of only what the prompt mapping reads: requests tokenbench counted `ours` that the endpoint counted `theirs`. */
const runOfCounts = (pairs: Array<[number, number]>) => ({ records: pairs.map(([ours, theirs]) => ({ ok: true, requested_prompt_tokens: ours, prompt_tokens: theirs })) }) as unknown as LoadedRun;

test("the twin's prompt count follows the endpoint's as a line: its tokens per token of text, and its chat template against ours", () => {
  // llama.cpp's counts of 8-, 32- and 128-token texts sent as chat (tokenbench counts 15, 39, 135): 57, 174, 642,
  // on the line 4.875 × ours − 16.1 (4.875 per token of text, plus 18 of template where ours has 7: 18 − 4.875 × 7).
  const llama = measuredPromptTokenMapping([runOfCounts([[15, 57], [15, 57], [39, 174], [39, 174], [135, 642], [135, 642]])]);
  expect(llama.ratio).toBe(4.875);
  expect(llama.offset).toBeCloseTo(-16.1, 6);
  // The same tokenizer: ratio 1, no offset.
  expect(measuredPromptTokenMapping([runOfCounts([[10, 10], [100, 100], [1000, 1000]])])).toEqual({ ratio: 1, offset: 0 });
  // Prompts of one length cannot tell slope from intercept: the ratio alone (the middle of 5.0, 5.2, 5.4).
  expect(measuredPromptTokenMapping([runOfCounts([[39, 195], [40, 208], [40, 216]])])).toEqual({ ratio: 5.2, offset: 0 });
  // A line that would give the shortest prompt under one token (10 → −5.6) is not a count: the ratio alone (the middle of 0.1, 0.1, 0.083, 9).
  expect(measuredPromptTokenMapping([runOfCounts([[10, 1], [10, 1], [12, 1], [100, 900]])])).toEqual({ ratio: 0.1, offset: 0 });
  // No usage to read: the twin's count is its own.
  expect(measuredPromptTokenMapping([runOfCounts([])])).toEqual({ ratio: 1, offset: 0 });
});

test("the twin's step jitter is the endpoint's gap spread beyond this machine's own, as independent log-normal noises add in variance", () => {
  // p90/p50 = exp(1.2816 σ): a p90 of 1.2 × the median is σ = ln 1.2 / 1.2816 = 0.14226.
  expect(lognormalSigmaOf(12, 10)).toBeCloseTo(0.14226, 4);
  // √(0.15² − 0.09²) = √(0.0225 − 0.0081) = √0.0144 = 0.12
  expect(jitterBeyondFloor(0.15, 0.09)).toBe(0.12);
  // All of it the machine's: the twin adds none.
  expect(jitterBeyondFloor(0.05, 0.08)).toBe(0);
});

test("the fit compares the measured TTFT p90 with the simulated one widened by the measured step noise, the median left where it is", () => {
  // A noiseless spread of σ 0.3 (p90 = 100·e^(1.2816·0.3) = 146.94) through noise of σ 0.4: √(0.09 + 0.16) = 0.5,
  // so p90 = 100·e^(1.2816·0.5) = 100·e^0.6408 = 189.81.
  expect(p90ThroughNoise(100 * Math.exp(1.2816 * 0.3), 100, 0.4)).toBeCloseTo(189.81, 1);
  // Every request alike (p90 = median): the noise alone, 100·e^(1.2816·0.1) = 113.68.
  expect(p90ThroughNoise(100, 100, 0.1)).toBeCloseTo(113.68, 1);
  // No noise: unchanged.
  expect(p90ThroughNoise(150, 100, 0)).toBeCloseTo(150, 6);
});

test('the fitted step time of a mixed step matches a hand computation, every term included', () => {
  const step = { fixed: 0.5, per_sequence: 0.1, memory_floor: 8, compute_per_token: 0.01, per_context_kilotoken: 0.2, batch_memory: 4, batch_memory_scale: 10, prefill_attention_per_mpair: 2, cache_attention_per_mpair: 1 };
  // 3 decoding sequences holding 3,000 tokens, one 500-token prefill chunk (attention pairs 125,250, nothing cached).
  const shape = { decodeSeqs: 3, decodeContextSum: 3000, tokensPerDecodeSeq: 1, prefillTokens: 500, prefillAttentionSum: 125_250, prefillCachedContextSum: 0, prefillSeqs: 1 };
  // memory = 8 + 4·(1 − e^(−502/10)) + 0.2·3 = 12.6; compute = 0.01·503 + 2·0.12525 + 1·503·3500/1e6 = 5.03 + 0.2505 + 1.7605 = 7.041
  // step = 0.5 + 0.1·4 + max(12.6, 7.041) = 13.5 ms
  expect(fittedStepSeconds(step, shape) * 1000).toBeCloseTo(13.5, 6);
  // Prefill-heavy: 4,000 tokens alone → compute 40 + 2·8.002 + 1·4000·4000/1e6 = 72.004 > memory 12; step 72.604 ms.
  const prefill = { decodeSeqs: 0, decodeContextSum: 0, tokensPerDecodeSeq: 1, prefillTokens: 4000, prefillAttentionSum: 8_002_000, prefillCachedContextSum: 0, prefillSeqs: 1 };
  expect(fittedStepSeconds(step, prefill) * 1000).toBeCloseTo(0.5 + 0.1 + 40 + 16.004 + 16, 6);
});

interface NoisyCalibration {
  out: string;
  runs: string[];
  simulated: Array<Awaited<ReturnType<typeof runCli>>>;
  result: Awaited<ReturnType<typeof runCli>>;
}

/** Runs of a slow, noisy endpoint simulated at concurrency 1, 4 and 16, and calibrate fitted to two of them. */
async function calibrateNoisyEndpoint(): Promise<NoisyCalibration> {
  const out = mkdtempSync(join(tmpdir(), 'tokenbench-calibrate-noisy-'));
  const runs: string[] = [];
  const simulated = [];
  for (const concurrency of [1, 4, 16]) {
    const directory = join(out, `c${concurrency}`);
    simulated.push(await runCli(['simulate', '--profile', 'chatty', '--workload', 'synthetic:prompt=lognormal(256,0.4),output=lognormal(64,0.4)', '--concurrency', String(concurrency), '--requests', String(8 * concurrency), '--seed', '3', '--out', directory]));
    runs.push(directory);
  }
  const result = await runCli(['calibrate', runs[0], runs[2], '--holdout', runs[1], '--out', join(out, 'twin')]);
  return { out, runs, simulated, result };
}

test('runs from a slow, noisy endpoint (a hosted API: lognormal TTFT around 350 ms, ragged gaps) give bounded knobs and a verdict, never a runaway', async () => {
  const { out, runs, simulated, result } = await started.noisy;
  for (const run of simulated) expect(run.code).toBe(0);
  expect([0, 3]).toContain(result.code);
  expect(result.stdout).toMatch(/^(PASS|MISS): /m);
  const profile = parseProfile(parseYaml(readFileSync(join(out, 'twin', 'profile.yaml'), 'utf8')), 'twin') as FittedProfile;
  const measured = runs.map((directory) => readRunDirectory(directory).summary);
  const minTtft = Math.min(...measured.map((summary) => summary.ttft_ms.median));
  const minTpot = Math.min(...measured.map((summary) => summary.tpot_ms.median));
  expect(profile.api_overhead_ms).toBeLessThan(minTtft);
  expect(profile.step_ms.memory_floor).toBeLessThanOrEqual(minTpot);
  expect(profile.step_ms.compute_per_token * 256).toBeLessThan(minTtft);
  for (const value of Object.values(profile.step_ms)) expect(Number.isFinite(value)).toBe(true);
}, 300_000);

test('calibrate --target an endpoint that answers every request with 500 stops after its first probe, saying so, and exits 1', async () => {
  const profile = join(mkdtempSync(join(tmpdir(), 'tokenbench-calibrate-500-')), 'broken.yaml');
  writeFileSync(profile, 'kind: empirical\nmodel: broken\nttft_ms: {dist: constant, value: 5}\nitl_ms: {dist: constant, value: 1}\nfaults: {error_rate: {"500": 1}}\n');
  const endpoint = await startMockProcess(['--profile', profile]);
  try {
    const result = await runCli(['calibrate', '--target', endpoint.baseURL, '--out', join(tmpdir(), `tokenbench-calibrate-500-out-${process.pid}`)]);
    expect(result.code).toBe(1);
    // Its first probe's warm-up fails three times: the probe, and calibrate, stop with the target's words.
    expect(result.stderr).toMatch(/the warm-up request failed 3 times: http_500: internal_error \(The server had an error/);
    expect(result.stderr).not.toMatch(/ladder-c1/);
  } finally {
    await endpoint.close();
  }
});
