import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startListeningProcess, startMockProcess, type MockProcess } from '../helpers/mock-process';
import { readRun, runCli } from '../helpers/cli';
import { summarizeRun } from '../../harness/metrics/summary';

// The ladder's own request shape (calibrate --target's defaults scaled down), so twin and endpoint are
// compared on the traffic the probes characterised, at loads the probes never ran.
const directory = mkdtempSync(join(tmpdir(), 'tokenbench-calibrate-'));

/**
 * One closed-loop run after `warmupWaves` waves of warm-up at its concurrency (the warm-up ends before the
 * measured run starts). Three by default, as calibrate gives its served twin: a process that has served
 * nothing spreads its first wave's arrivals over step boundaries.
 */
async function measure(baseURL: string, workload: string, concurrency: number, requests: number, name: string, warmupWaves = 3) {
  const out = join(directory, name);
  const result = await runCli(['run', '--target', baseURL, '--workload', workload, '--concurrency', String(concurrency), '--requests', String(requests), '--warmup', String(warmupWaves * concurrency), '--out', out]);
  expect(result.code).toBe(0);
  return readRun(out);
}

/** Calibrate --target; the verdict decides the exit code (0 pass, 3 miss), and every file is written either way. */
async function calibrateTarget(baseURL: string, out: string, extra: string[]) {
  const result = await runCli(['calibrate', '--target', baseURL, '--out', out, ...extra]);
  process.stdout.write(result.stdout);
  expect([0, 3]).toContain(result.code);
  expect(result.stdout).toMatch(result.code === 0 ? /^PASS: /m : /^MISS: /m);
  for (const file of ['profile.yaml', 'report.md', 'ttft.svg', 'tpot.svg', 'calibration.json']) expect(existsSync(join(out, file))).toBe(true);
  expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain(result.code === 0 ? '**Verdict: PASS**' : '**Verdict: MISS**');
  return { result, profile: parseYaml(readFileSync(join(out, 'profile.yaml'), 'utf8')) };
}

const percentOff = (twin: number, endpoint: number) => Math.abs(twin / endpoint - 1);
const signedPercent = (twin: number, endpoint: number) => `${twin >= endpoint ? '+' : ''}${((twin / endpoint - 1) * 100).toFixed(1)}%`;

/** TTFT and TPOT medians over the requests of several runs of one side at one load (each run's warm-up left out). */
function pooledMedians(runs: Array<ReturnType<typeof readRun>>) {
  const records = runs.flatMap((run) => run.records);
  const summary = summarizeRun(records, runs.reduce((total, run) => total + run.summary.duration_s, 0));
  return { ttft_ms: summary.ttft_ms.median, tpot_ms: summary.tpot_ms.median };
}

test('calibrate --target a mixture-of-experts endpoint it never saw: a black-box twin with a saturating decode term holds at two loads the probes never ran', async () => {
  // "Real" here is a physics mock of Mixtral-8x7B INT8 on 2×A100 (tokenbench's own engine, but the twin
  // only sees its HTTP answers): its decode cost rises until every expert is read, then flattens.
  const profilePath = join(directory, 'mixtral-a100.yaml');
  writeFileSync(profilePath, 'kind: physics\nmodel: mixtral-8x7b\nhardware: a100-80g\ngpus: 2\nweights: int8\njitter_sigma: 0.03\n');
  const endpoint = await startMockProcess(['--profile', profilePath]);
  const out = join(directory, 'moe-twin');
  let twin: MockProcess | undefined;
  try {
    const { profile } = await calibrateTarget(endpoint.baseURL, out, ['--budget-s', '45', '--max-concurrency', '16', '--output-tokens', '64', '--structure', 'black-box']);
    expect(profile).toMatchObject({ kind: 'fitted', model: 'mixtral-8x7b', fit: { route: 'black-box' } });
    expect(Object.keys(profile.fit.forms)).toEqual(['fitted-linear', 'fitted-saturating']);
    twin = await startMockProcess(['--profile', join(out, 'profile.yaml')]);
    const workload = 'synthetic:prompt=lognormal(256,0.3),output=lognormal(64,0.3)';
    for (const concurrency of [5, 10]) {
      const requests = Math.max(40, 5 * concurrency);
      const real = (await measure(endpoint.baseURL, workload, concurrency, requests, `moe-endpoint-c${concurrency}`)).summary;
      const modeled = (await measure(twin.baseURL, workload, concurrency, requests, `moe-twin-c${concurrency}`)).summary;
      process.stdout.write(`MoE c=${concurrency}: TTFT ${real.ttft_ms.median.toFixed(1)} → twin ${modeled.ttft_ms.median.toFixed(1)} ms; TPOT ${real.tpot_ms.median.toFixed(2)} → ${modeled.tpot_ms.median.toFixed(2)} ms\n`);
      expect(percentOff(modeled.tpot_ms.median, real.tpot_ms.median)).toBeLessThan(0.15);
      expect(percentOff(modeled.ttft_ms.median, real.ttft_ms.median)).toBeLessThan(0.15);
    }
  } finally {
    await twin?.close();
    await endpoint.close();
  }
}, 600_000);

type Medians = { ttft_ms: number; tpot_ms: number };

/**
 * The endpoint and the twin at one load, in turns (endpoint, twin, endpoint, twin, one wave of warm-up
 * each: both have served this traffic), each side's medians over both its runs' requests. An endpoint
 * whose two runs disagree by more than ENDPOINT_AGREEMENT on either median changed speed between them:
 * that pair measured no one endpoint, so it is measured again (at most MAX_ATTEMPTS in all; the pair
 * that agreed best is kept). Whether the twin is close plays no part in that choice.
 */
async function measureInTurns(endpointURL: string, twinURL: string, workload: string, concurrency: number, name: string) {
  const attempts: Array<{ endpoint: Record<keyof Medians, string[]>; twin: Record<keyof Medians, string[]>; disagreement: number; pooled: { endpoint: Medians; twin: Medians } }> = [];
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const runs: Record<'endpoint' | 'twin', Array<ReturnType<typeof readRun>>> = { endpoint: [], twin: [] };
    for (const turn of [1, 2]) {
      runs.endpoint.push(await measure(endpointURL, workload, concurrency, 42, `${name}-endpoint-${attempt}-${turn}`, 1));
      runs.twin.push(await measure(twinURL, workload, concurrency, 42, `${name}-twin-${attempt}-${turn}`, 1));
    }
    const [first, second] = runs.endpoint.map((run) => run.summary);
    const disagreement = Math.max(percentOff(first.ttft_ms.median, second.ttft_ms.median), percentOff(first.tpot_ms.median, second.tpot_ms.median));
    const perRun = (side: 'endpoint' | 'twin') => ({ ttft_ms: runs[side].map((run) => run.summary.ttft_ms.median.toFixed(1)), tpot_ms: runs[side].map((run) => run.summary.tpot_ms.median.toFixed(2)) });
    attempts.push({ endpoint: perRun('endpoint'), twin: perRun('twin'), disagreement, pooled: { endpoint: pooledMedians(runs.endpoint), twin: pooledMedians(runs.twin) } });
    if (disagreement <= ENDPOINT_AGREEMENT) break;
  }
  const kept = attempts.reduce((best, attempt) => (attempt.disagreement < best.disagreement ? attempt : best));
  return { ...kept.pooled, attempts };
}
const ENDPOINT_AGREEMENT = 0.1;
const MAX_ATTEMPTS = 3;

/** scripts/llama/serve-llama.ts in its own process: llama.cpp (node-llama-cpp's CPU build) behind an OpenAI endpoint with 4 slots. */
const startLlama = () => startListeningProcess([process.execPath, '-r', 'ts-node/register/transpile-only', join(__dirname, '..', '..', 'scripts', 'llama', 'serve-llama.ts'), '--port', '0', '--sequences', '4', '--context', '2048'], 'serve-llama');

/**
 * Issue 14's bound. This CPU engine's own medians move by 5% to 20% between runs a minute apart (sampling,
 * and this shared machine's speed: one endpoint run read its gaps 12% longer throughout than the run 40 s
 * before), so each side is measured twice, in turns, and its requests pooled; see measureInTurns.
 */
const LLAMA_TWIN_BOUND = 0.15;

test('calibrate --target a real llama.cpp engine: the twin finds its 4 slots, holds at two loads the probes never ran, and applies its tokenizer\'s ~5× count, so the same text costs what it costs there', async () => {
  const llama = await startLlama();
  const out = join(directory, 'llama-twin');
  let twin: MockProcess | undefined;
  try {
    // One thread on a tiny model: throughput is flat from one request on, so the ladder saturates at 4
    // and takes one point past it (8, where requests wait for a slot); validation at 3 and 6.
    const { profile } = await calibrateTarget(llama.baseURL, out, ['--budget-s', '45', '--max-concurrency', '8', '--prompt-tokens', '32', '--output-tokens', '32']);
    expect(profile.max_num_seqs).toBe(4);
    // Its SentencePiece vocabulary is single characters: about 5 tokens per o200k token of text (4.9 here),
    // and its chat template holds more tokens than ours (18 against 7: an offset near 18 − 4.9 × 7 = −16).
    expect(profile.prompt_token_ratio).toBeGreaterThan(4);
    expect(profile.prompt_token_ratio).toBeLessThan(6);
    expect(profile.prompt_token_offset).toBeLessThan(0);
    twin = await startMockProcess(['--profile', join(out, 'profile.yaml')]);
    // Loads the probes never ran, past the slots: the first token waits for a slot. The sides take turns,
    // endpoint, twin, endpoint, twin, and each side's medians are over both its runs' requests. Not 5: one
    // request past the slots, its TTFT median sits where a request either finds a slot or waits for one,
    // and moved by 7% to 10% (bootstrap standard error) over 60 requests of either side.
    const workload = 'synthetic:prompt=lognormal(32,0.3),output=lognormal(32,0.3)';
    await measure(twin.baseURL, workload, 4, 12, 'llama-twin-warm-up'); // the endpoint has served every probe
    for (const concurrency of [7, 10]) {
      const { endpoint, twin: modeled, attempts } = await measureInTurns(llama.baseURL, twin.baseURL, workload, concurrency, `llama-c${concurrency}`);
      for (const [index, attempt] of attempts.entries()) {
        process.stdout.write(`llama.cpp c=${concurrency} attempt ${index + 1}: TTFT ${attempt.endpoint.ttft_ms.join('/')} → twin ${attempt.twin.ttft_ms.join('/')} ms; TPOT ${attempt.endpoint.tpot_ms.join('/')} → ${attempt.twin.tpot_ms.join('/')} ms\n`);
      }
      process.stdout.write(`llama.cpp c=${concurrency}: TTFT ${endpoint.ttft_ms.toFixed(1)} → twin ${modeled.ttft_ms.toFixed(1)} ms (${signedPercent(modeled.ttft_ms, endpoint.ttft_ms)}); TPOT ${endpoint.tpot_ms.toFixed(2)} → ${modeled.tpot_ms.toFixed(2)} ms (${signedPercent(modeled.tpot_ms, endpoint.tpot_ms)})\n`);
      expect(percentOff(modeled.ttft_ms, endpoint.ttft_ms)).toBeLessThan(LLAMA_TWIN_BOUND);
      expect(percentOff(modeled.tpot_ms, endpoint.tpot_ms)).toBeLessThan(LLAMA_TWIN_BOUND);
    }
    // The same prompt texts, one at a time, at lengths the probes did not send.
    for (const prompt of [40, 160]) {
      const workload = `synthetic:prompt=${prompt},output=16`;
      const real = await measure(llama.baseURL, workload, 1, 4, `llama-endpoint-p${prompt}`);
      const modeled = await measure(twin.baseURL, workload, 1, 4, `llama-twin-p${prompt}`);
      process.stdout.write(`llama.cpp prompt ${prompt}: TTFT ${real.summary.ttft_ms.median.toFixed(1)} → twin ${modeled.summary.ttft_ms.median.toFixed(1)} ms (usage ${real.records[0].prompt_tokens} vs ${modeled.records[0].prompt_tokens} tokens)\n`);
      // usage stays in each side's own tokenizer: the endpoint's ~5×, the twin's ours; the profile's line
      // takes the twin's count to the endpoint's for a length no probe sent.
      expect(real.records[0].prompt_tokens / modeled.records[0].prompt_tokens).toBeGreaterThan(4);
      expect(percentOff(profile.prompt_token_ratio * modeled.records[0].prompt_tokens + profile.prompt_token_offset, real.records[0].prompt_tokens)).toBeLessThan(0.03);
      // Without the ratio the twin would prefill a fifth of the tokens (-80%); with it, the fit's compute per
      // token carries the drift between the probes and this check (seven runs since the noise was averaged read
      // -10% to +17%, the +17% at prompt 160 in a CI rehearsal; before, it read -4% to -24%).
      expect(percentOff(modeled.summary.ttft_ms.median, real.summary.ttft_ms.median)).toBeLessThan(0.3);
    }
  } finally {
    await twin?.close();
    await llama.close();
  }
}, 900_000); // up to three measurements per load when the endpoint disagrees with itself

test('calibrate --target with --hardware and --arch-model keeps the physics structure, fits its efficiencies, and its served twin holds at the validation loads', async () => {
  // The endpoint: Llama-3.1-8B on an H100 whose memory bandwidth use is poor (MBU 0.45, the catalog default is higher).
  const profilePath = join(directory, 'slow-h100.yaml');
  writeFileSync(profilePath, 'kind: physics\nmodel: llama-3.1-8b\nhardware: h100-sxm\nmbu: 0.45\njitter_sigma: 0.02\n');
  const endpoint = await startMockProcess(['--profile', profilePath]);
  const out = join(directory, 'physics-twin');
  try {
    const { profile } = await calibrateTarget(endpoint.baseURL, out, ['--budget-s', '15', '--max-concurrency', '8', '--output-tokens', '64', '--hardware', 'h100-sxm', '--arch-model', 'llama-3.1-8b']);
    expect(profile).toMatchObject({ kind: 'physics', model: 'llama-3.1-8b', hardware: 'h100-sxm', fit: { route: 'known-architecture', structure: 'physics' } });
    // MBU itself is not pinned by a short probe (a lone decode step is bytes ÷ (bandwidth × MBU) plus
    // step and layer overheads: one figure, three knobs; a CI run fitted 0.73 with larger overheads), so
    // the test holds what the twin does: its served validation figures.
    expect(profile.mbu).toBeGreaterThan(0);
    const calibration = JSON.parse(readFileSync(join(out, 'calibration.json'), 'utf8'));
    expect(calibration.structure.route).toBe('known-architecture');
    expect(calibration.validation.length).toBeGreaterThan(0);
    for (const fit of calibration.validation) {
      expect(Math.abs(fit.error.ttft)).toBeLessThan(0.15);
      expect(Math.abs(fit.error.tpot)).toBeLessThan(0.15);
    }
  } finally {
    await endpoint.close();
  }
}, 600_000);
