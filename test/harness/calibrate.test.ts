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
 * One closed-loop run. Both sides first get three waves of warm-up at the run's concurrency, as calibrate
 * gives its served twin: a process that has served nothing spreads its first wave's arrivals over step
 * boundaries, and the twin's process is new where the endpoint's has served every probe.
 */
async function measure(baseURL: string, workload: string, concurrency: number, requests: number, name: string) {
  const out = join(directory, name);
  const result = await runCli(['run', '--target', baseURL, '--workload', workload, '--concurrency', String(concurrency), '--requests', String(requests), '--warmup', String(3 * concurrency), '--out', out]);
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

/** scripts/llama/serve-llama.ts in its own process: llama.cpp (node-llama-cpp's CPU build) behind an OpenAI endpoint with 4 slots. */
const startLlama = () => startListeningProcess([process.execPath, '-r', 'ts-node/register/transpile-only', join(__dirname, '..', '..', 'scripts', 'llama', 'serve-llama.ts'), '--port', '0', '--sequences', '4', '--context', '2048'], 'serve-llama');

/**
 * Issue 14's bound. The endpoint's own medians move by 5% to 10% between runs a minute apart (sampling,
 * and this shared CPU's speed), so each side is measured twice in turns and its requests pooled.
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
    // endpoint, twin, endpoint, twin, and each side's medians are over both its runs' requests: this CPU
    // engine's speed drifts by up to 10% between runs a minute apart, and at 5 a TTFT median over 30
    // requests moves by ±7% from sampling alone (it is the least of four running requests' remaining times).
    const workload = 'synthetic:prompt=lognormal(32,0.3),output=lognormal(32,0.3)';
    for (const concurrency of [5, 7]) {
      const requests = 6 * concurrency;
      const turns: Record<'endpoint' | 'twin', Array<ReturnType<typeof readRun>>> = { endpoint: [], twin: [] };
      for (const turn of [1, 2]) {
        turns.endpoint.push(await measure(llama.baseURL, workload, concurrency, requests, `llama-endpoint-c${concurrency}-${turn}`));
        turns.twin.push(await measure(twin.baseURL, workload, concurrency, requests, `llama-twin-c${concurrency}-${turn}`));
      }
      const [real, modeled] = [turns.endpoint, turns.twin].map(pooledMedians);
      const perRun = (side: Array<ReturnType<typeof readRun>>, figure: 'ttft_ms' | 'tpot_ms') => side.map((run) => run.summary[figure].median.toFixed(1)).join('/');
      process.stdout.write(`llama.cpp c=${concurrency}: TTFT ${perRun(turns.endpoint, 'ttft_ms')} → twin ${perRun(turns.twin, 'ttft_ms')} ms (pooled ${real.ttft_ms.toFixed(1)} → ${modeled.ttft_ms.toFixed(1)}, ${signedPercent(modeled.ttft_ms, real.ttft_ms)}); TPOT ${perRun(turns.endpoint, 'tpot_ms')} → ${perRun(turns.twin, 'tpot_ms')} ms (pooled ${real.tpot_ms.toFixed(2)} → ${modeled.tpot_ms.toFixed(2)}, ${signedPercent(modeled.tpot_ms, real.tpot_ms)})\n`);
      expect(percentOff(modeled.ttft_ms, real.ttft_ms)).toBeLessThan(LLAMA_TWIN_BOUND);
      expect(percentOff(modeled.tpot_ms, real.tpot_ms)).toBeLessThan(LLAMA_TWIN_BOUND);
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
}, 600_000);

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
