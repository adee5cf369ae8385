import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { parseProfile } from '../../server/profiles';
import { jitterBeyondFloor, lognormalSigmaOf } from '../calibrate/jitter';
import { fitOf, fitProfile, type CalibrationResult, type FitOptions, type RunFit } from '../calibrate/calibrate';
import { judgeCalibration, type CalibrationVerdict } from '../calibrate/verdict';
import { StreamClient } from '../client/stream-client';
import { runLoad } from '../load/runner';
import { middleValue, percentile } from '../metrics/percentiles';
import { writeCalibrationReport, type CalibrationRow } from '../report/calibration-report';
import { readRunDirectory, type LoadedRun } from '../results/run-dir';
import { SyntheticWorkload } from '../workload/synthetic';
import type { RunHooks, TargetOptions } from './options';
import { runBenchmark } from './run-benchmark';
import { startServeProcess } from './serve-process';

/** How calibrate should treat the endpoint's structure (see fitProfile). */
export interface StructureOptions {
  /** `auto` (default): known architecture when `hardware` is given, black box otherwise. */
  structure?: 'auto' | 'physics' | 'black-box';
  /** Catalog hardware of the endpoint (`tokenbench hardware`): fit the physics profile's own knobs. */
  hardware?: string;
  /** Catalog model it serves (`tokenbench models`; default: the served model id). */
  archModel?: string;
  /** Devices (tensor parallelism) of the known architecture. */
  gpus?: number;
}

export interface CalibrateOptions extends StructureOptions {
  /** Runs measured against the endpoint (directories or runs already read), ideally at several loads. */
  runs: Array<string | LoadedRun>;
  /** Runs kept out of the fit: the loads the verdict is judged on. */
  holdout?: Array<string | LoadedRun>;
  /** Served model id of the fitted profile (default: the runs' model). */
  model?: string;
  /** Seats of the fitted profile, when known (otherwise chosen among the loads measured). */
  maxNumSeqs?: number;
  /** Worst median error allowed on the validation loads (default 0.15). */
  maxError?: number;
  /** Write the profile here: a `.yaml` file, or a directory for profile.yaml, report.md and charts. */
  out?: string;
  log?(line: string): void;
}

export interface CalibrateResult extends CalibrationResult {
  /** The profile as YAML, with a header saying where it came from. */
  yaml: string;
  verdict: CalibrationVerdict;
  /** Where profile.yaml went, when `out` asked for it. */
  profilePath?: string;
}

const asRun = (run: string | LoadedRun): LoadedRun => (typeof run === 'string' ? readRunDirectory(run) : run);

/** Serves `profile` (a builtin name or a profile input) in a process of its own and runs `requests` one at a time against it. */
async function measureServed(profile: string | Record<string, unknown>, promptTokens: number, outputTokens: number, requests: number) {
  const folder = typeof profile === 'string' ? undefined : mkdtempSync(join(tmpdir(), 'tokenbench-served-'));
  const profileArg = folder ? join(folder, 'profile.json') : (profile as string);
  if (folder) writeFileSync(profileArg, JSON.stringify(profile));
  const server = await startServeProcess(['--profile', profileArg], { stderr: 'ignore' });
  const model = typeof profile === 'string' ? `${profile}-model` : String(profile.model);
  const client = new StreamClient({ baseURL: server.baseURL, model, api: 'chat', connections: 1, timeout_ms: 60_000, fixOutputLength: true });
  try {
    const workload = new SyntheticWorkload({ prompt: { dist: 'constant', value: promptTokens }, output: { dist: 'constant', value: outputTokens }, prefix: 0 }, 0);
    const outcome = await runLoad(client, workload, { pattern: { kind: 'closed', concurrency: 1 }, requests, warmup: Math.min(5, requests), seed: 0 }, new AbortController().signal);
    return outcome.records.filter((record) => record.ok);
  } finally {
    await client.close();
    await server.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * What tokenbench's own serving costs per request over loopback (HTTP, request handling, the first
 * chunk), measured as the median TTFT of a zero-latency mock given prompts of the runs' length. The
 * mock runs in its own process, as the endpoint and the served twin do: in this process it would share
 * the client's event loop and cost another figure.
 */
async function measureServingOverhead(promptTokens: number): Promise<number> {
  const records = await measureServed('instant', promptTokens, 2, 20);
  return middleValue(records.map((record) => record.ttft_ms!)) ?? 0;
}

/**
 * The spread of inter-token gaps this machine adds by itself (timers, event loops, loopback), measured
 * by serving the fitted twin with no step jitter at one request at a time. Noise that adds in log
 * space adds in variance, so the twin keeps only the endpoint's spread beyond it: the measured σ
 * already holds the floor, and a twin given all of it would be noisier than its endpoint by the floor.
 */
async function measureGapNoiseFloor(profile: Record<string, unknown>, promptTokens: number): Promise<number> {
  const records = await measureServed({ ...profile, jitter_sigma: 0, ...(profile.kind === 'physics' ? { moe_imbalance_sigma: 0 } : {}) }, promptTokens, 64, 4);
  const gaps = records.flatMap((record) => record.itl_ms).sort((a, b) => a - b);
  return gaps.length < 8 ? 0 : lognormalSigmaOf(percentile(gaps, 90), percentile(gaps, 50));
}

/** The known architecture, checked against the catalogs before any probing (an unknown name fails here, naming its flag). */
function physicsOf(options: StructureOptions, servedModel: string): FitOptions['physics'] {
  if (options.structure === 'black-box') return undefined;
  if (!options.hardware) {
    if (options.structure === 'physics') throw new Error('--structure physics needs --hardware (a catalog id: tokenbench hardware)');
    return undefined;
  }
  const model = options.archModel ?? servedModel;
  const gpus = options.gpus ?? 1;
  try {
    parseProfile({ kind: 'physics', model, hardware: options.hardware, gpus }, 'check');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const flag = /hardware/i.test(message) ? '--hardware' : options.archModel ? '--arch-model' : '--arch-model (the served id is not a catalog model)';
    throw new Error(`${flag}: ${message}`);
  }
  return { hardware: options.hardware, model, gpus };
}

function writeProfile(out: string | undefined, fit: CalibrationResult, header: string): { yaml: string; profilePath?: string; directory?: string } {
  const yaml = header + toYaml(fit.profile);
  if (!out) return { yaml };
  if (/\.ya?ml$/i.test(out)) {
    writeFileSync(out, yaml);
    return { yaml, profilePath: out };
  }
  mkdirSync(out, { recursive: true });
  const profilePath = join(out, 'profile.yaml');
  writeFileSync(profilePath, yaml);
  return { yaml, profilePath, directory: out };
}

const rowsOf = (fits: RunFit[], role: CalibrationRow['role']): CalibrationRow[] => fits.map((fit) => ({ role, directory: fit.directory, load: fit.load, concurrency: fit.concurrency, measured: fit.measured, twin: fit.fitted }));

/** The profile's knobs worth reading in a report: everything but its description and fit notes. */
const knobsOf = (profile: Record<string, unknown>) => Object.fromEntries(Object.entries(profile).filter(([key]) => !['fit', 'description'].includes(key)));

interface JudgeOptions {
  endpoint?: string;
  curve?: (run: LoadedRun) => boolean;
  notes?: string[];
  /** Serve the twin and measure it at the validation loads: its figures replace the simulation's in the verdict. */
  measureTwin?: (profileInput: Record<string, unknown>) => Promise<RunFit[]>;
}

async function fitAndJudge(runs: LoadedRun[], holdout: LoadedRun[], options: CalibrateOptions & JudgeOptions): Promise<CalibrateResult> {
  if (runs.length === 0) throw new Error('calibrate needs at least one run');
  const maxError = options.maxError ?? 0.15;
  // Every request pays tokenbench's own serving overhead, measured here; the endpoint's front end may cost more (fitted).
  const promptTokens = middleValue(runs.flatMap((run) => run.records.map((record) => record.prompt_tokens))) ?? 256;
  const localOverhead_ms = await measureServingOverhead(promptTokens);
  const servedModel = options.model ?? runs[0].info.model;
  const fit = fitProfile(runs, holdout, {
    model: options.model,
    maxNumSeqs: options.maxNumSeqs,
    localOverhead_ms,
    structure: options.structure,
    physics: physicsOf(options, servedModel),
    log: options.log,
  });
  // The measured gap spread holds this machine's own (timers, loopback): the twin, served here, adds it again.
  const measuredJitter = Number(fit.profile.jitter_sigma ?? 0);
  if (measuredJitter > 0) {
    const floor_sigma = await measureGapNoiseFloor(fit.profile, promptTokens);
    fit.profile.jitter_sigma = jitterBeyondFloor(measuredJitter, floor_sigma);
    fit.profile.fit = { ...(fit.profile.fit as object), measured_gap_sigma: measuredJitter, machine_gap_sigma: Number(floor_sigma.toFixed(4)) };
  }
  if (options.measureTwin && fit.outOfSample.length) {
    options.log?.('calibrate: serving the twin and measuring it at the validation loads');
    parseProfile(fit.profile, 'twin'); // a profile the server would refuse fails here, before a process is started
    fit.outOfSample = await options.measureTwin(fit.profile);
  }
  const verdict = judgeCalibration(fit, maxError, options.measureTwin ? 'served' : 'simulated');
  const header =
    `# Twin fitted by tokenbench calibrate from ${options.endpoint ?? runs.map((run) => run.directory).join(', ')}\n` +
    `# Verdict: ${verdict.pass ? 'PASS' : 'MISS'}: ${verdict.explanation[0]}\n` +
    (options.out ? `# Serve it: tokenbench serve --profile ${/\.ya?ml$/i.test(options.out) ? options.out : join(options.out, 'profile.yaml')}\n` : '');
  const written = writeProfile(options.out, fit, header);
  if (written.directory) {
    const onCurve = options.curve ?? (() => true);
    const rows = [...rowsOf(fit.inSample, 'fit'), ...rowsOf(fit.outOfSample, 'validation')];
    const curveDirectories = new Set([...runs, ...holdout].filter(onCurve).map((run) => run.directory));
    await writeCalibrationReport(written.directory, {
      target: options.endpoint ?? runs[0].info.target,
      model: servedModel,
      verdict,
      structure: fit.structure,
      promptTokens: fit.promptTokens,
      knobs: knobsOf(fit.profile),
      rows,
      curveRows: rows.filter((row) => curveDirectories.has(row.directory)),
      notes: options.notes ?? [],
      validationServed: options.measureTwin !== undefined && fit.outOfSample.length > 0,
    });
    writeFileSync(join(written.directory, 'calibration.json'), JSON.stringify({ verdict, structure: fit.structure, prompt_tokens: fit.promptTokens, in_sample: fit.inSample, validation: fit.outOfSample }, null, 2) + '\n');
  }
  return { ...fit, yaml: written.yaml, verdict, profilePath: written.profilePath };
}

/**
 * Fits a twin profile to runs already measured against an endpoint, as `tokenbench calibrate DIR...`
 * does, and judges it on the holdout runs (`verdict`); the mock serving it is the endpoint's twin.
 */
export async function calibrate(options: CalibrateOptions): Promise<CalibrateResult> {
  return fitAndJudge(options.runs.map(asRun), (options.holdout ?? []).map(asRun), options);
}

export interface CalibrateTargetOptions extends StructureOptions, Omit<TargetOptions, 'profile' | 'warmup'>, Pick<RunHooks, 'signal' | 'log'> {
  target: string;
  /** Directory for profile.yaml, report.md, the charts and every probe's run directory. */
  out: string;
  /** Seconds the concurrency ladder may take, beyond the single-request probes (default 240). */
  budget_s?: number;
  /** Highest concurrency the ladder climbs to (default 64). */
  maxConcurrency?: number;
  /** Worst median error allowed on the validation loads (default 0.15). */
  maxError?: number;
  /** Prompt length (tokenbench tokens) of the ladder's requests; the prefill ladder goes to 4× this (default 256). */
  promptTokens?: number;
  /** Output length of the ladder's requests (default 128). */
  outputTokens?: number;
  seed?: number;
}

interface Probe {
  name: string;
  role: 'fit' | 'validation';
  concurrency: number;
  workload: string;
  requests: number;
  /** A point of the concurrency ladder (charted against concurrency). */
  ladder: boolean;
}

/** Requests per ladder point: enough that medians settle (three per seat, at least eight). */
const ladderRequests = (concurrency: number) => Math.max(8, 3 * concurrency);
/**
 * Requests per validation load, where the verdict is read: eight per seat, at least forty-eight. At nine, a
 * MoE endpoint's TTFT median at concurrency 3 read 33.6 ms in one run and its served twin +20%, in the next
 * +1%; at twelve, a llama.cpp engine's read 137 to 202 ms over four calibrations; at twenty-four, 166 to 223
 * ms over eight, and its twin's error at 3 went from -26% to +21% over six (three said MISS where the same
 * twin held within 12% at the test's loads): below its slots a prompt is prefilled alone or beside another one.
 */
const validationRequests = (concurrency: number) => Math.max(48, 8 * concurrency);

/**
 * Measures an endpoint with a probe plan chosen so that each knob of the twin is pinned by some probe,
 * fits the twin, and judges it on loads the fit never saw, as `tokenbench calibrate --target` does:
 * - one request at a time over a ladder of prompt lengths (prefill per token, attention's growth, the
 *   fixed front-end delay as the intercept);
 * - one request at a time with long answers (the decode floor and its growth with context);
 * - a concurrency ladder 1, 2, 4, … until throughput stops growing (the knee: seats, KV capacity),
 *   `maxConcurrency` or the time budget; what the endpoint's /metrics says about seats is used;
 * - validation loads between ladder points (3, 6, …), interleaved with it and never fitted.
 */
export async function calibrateTarget(options: CalibrateTargetOptions): Promise<CalibrateResult> {
  const budget_s = options.budget_s ?? 240;
  const maxConcurrency = options.maxConcurrency ?? 64;
  const prompt = options.promptTokens ?? 256;
  const output = options.outputTokens ?? 128;
  const log = options.log ?? (() => {});
  // An unknown --hardware or --arch-model fails here, before minutes of probing (the served id is not known yet).
  if (options.hardware && options.archModel) physicsOf(options, options.archModel);
  const probesDirectory = join(options.out, 'probes');
  mkdirSync(probesDirectory, { recursive: true });
  const notes: string[] = [];
  const measured: Array<{ probe: Probe; run: LoadedRun }> = [];
  let step = 0;
  const measure = async (probe: Probe): Promise<LoadedRun | undefined> => {
    if (options.signal?.aborted) return undefined;
    const out = join(probesDirectory, `${String(++step).padStart(2, '0')}-${probe.name}`);
    log(`calibrate: probe ${probe.name} (${probe.role}): concurrency ${probe.concurrency}, ${probe.requests} requests of ${probe.workload}`);
    const result = await runBenchmark({
      target: options.target,
      model: options.model,
      api: options.api,
      apiKey: options.apiKey,
      timeout_s: options.timeout_s,
      scrapeInterval_s: options.scrapeInterval_s,
      fixOutputLength: options.fixOutputLength,
      pinCpu: options.pinCpu,
      signal: options.signal,
      workload: probe.workload,
      concurrency: probe.concurrency,
      requests: probe.requests,
      warmup: 1,
      seed: options.seed ?? 0,
      out,
    });
    const run = readRunDirectory(out);
    if (result.summary.completed === 0) {
      const errors = Object.entries(result.summary.errors).map(([kind, count]) => `${count}× ${kind}`).join(', ');
      // Nothing measured yet: the endpoint answers no request at all, and the other probes would only wait on it.
      if (measured.length === 0) throw new Error(`calibrate: ${options.target} failed every request of its first probe (${errors}); nothing to fit (run directory: ${out})`);
      notes.push(`${probe.name}: every request failed (${errors}); left out`);
      log(`calibrate: ${probe.name}: every request failed (${errors}); left out`);
      return undefined;
    }
    if (result.summary.failed > 0) notes.push(`${probe.name}: ${result.summary.failed} of ${result.summary.completed + result.summary.failed} requests failed`);
    measured.push({ probe, run });
    return run;
  };

  // Single requests: the prefill ladder, then long answers.
  const started = Date.now();
  const single = (name: string, promptTokens: number, outputTokens: number, requests: number): Probe => ({ name, role: 'fit', concurrency: 1, workload: `synthetic:prompt=${promptTokens},output=${outputTokens}`, requests, ladder: false });
  for (const promptTokens of [prompt / 4, prompt, prompt * 4].map(Math.round)) {
    const run = await measure(single(`prefill-${promptTokens}`, promptTokens, 16, 4));
    if (!run) break; // a longer prompt will not fit either
  }
  await measure(single(`decode-${output * 2}`, Math.round(prompt / 4), output * 2, 3));
  const ladderStarted = Date.now();

  // The ladder, with validation loads halfway between its points once both neighbours are known.
  const ladderWorkload = `synthetic:prompt=lognormal(${prompt},0.3),output=lognormal(${output},0.3)`;
  const ladder = (concurrency: number, role: Probe['role']): Probe => ({ name: `${role === 'fit' ? 'ladder' : 'validation'}-c${concurrency}`, role, concurrency, workload: ladderWorkload, requests: role === 'fit' ? ladderRequests(concurrency) : validationRequests(concurrency), ladder: true });
  const validations = new Set<number>();
  let previous: { concurrency: number; run: LoadedRun } | undefined;
  let seats: number | undefined;
  let flatBefore = false;
  let saturatedAt: number | undefined;
  for (let concurrency = 1; concurrency <= maxConcurrency; concurrency *= 2) {
    const elapsed_s = (Date.now() - ladderStarted) / 1000;
    // The next point sends more requests at more concurrency: past the knee its time grows with its requests.
    const predicted_s = previous ? previous.run.summary.duration_s * (ladderRequests(concurrency) / ladderRequests(previous.concurrency)) : 0;
    if (previous && elapsed_s + predicted_s > budget_s) {
      notes.push(`ladder stopped before concurrency ${concurrency}: the budget of ${budget_s} s would run out (--budget-s)`);
      break;
    }
    const run = await measure(ladder(concurrency, 'fit'));
    if (!run) {
      notes.push(`ladder stopped at concurrency ${concurrency}: the endpoint failed every request`);
      break;
    }
    // A seat limit keeps requests waiting through the run with the same number running; a request
    // waiting for the next step boundary shows in one scrape, not in most of them.
    const queued = run.serverSamples.filter((sample) => sample.waiting > 0);
    const plateau = middleValue(queued.map((sample) => sample.running));
    if (run.serverSamples.length >= 3 && queued.length >= run.serverSamples.length / 2 && plateau !== undefined && plateau < concurrency) seats = Math.max(seats ?? 0, Math.round(plateau));
    if (previous && previous.concurrency >= 2) {
      const midpoint = Math.round(previous.concurrency * 1.5);
      if (validations.size < 3 && !validations.has(midpoint)) {
        validations.add(midpoint);
        await measure(ladder(midpoint, 'validation'));
      }
    }
    // Saturated: two doublings of the requests in flight in a row bought under 10% more output each
    // (one flat step can be an engine's batching quirk below its seat limit, as llama.cpp's at 2).
    // One point past the knee, budget allowing, shows what more load buys there: longer steps (the seats
    // are not full: a CPU engine saturated from one request on) or waits (a seat limit); without it
    // every load above the knee is extrapolation (a llama.cpp twin fitted up to 4 was 30% off at 6).
    if (saturatedAt !== undefined) break;
    const flat = previous !== undefined && run.summary.output_throughput < previous.run.summary.output_throughput * 1.1;
    if (flat && flatBefore) {
      notes.push(`saturated at concurrency ${concurrency}: output ${run.summary.output_throughput.toFixed(1)} tok/s against ${previous!.run.summary.output_throughput.toFixed(1)} at ${previous!.concurrency}`);
      saturatedAt = concurrency;
    }
    flatBefore = flat;
    previous = { concurrency, run };
  }
  if (validations.size === 0 && previous && !options.signal?.aborted) {
    // The ladder ended before two points above 1: validate between 1 and 2 instead, at the next loads up.
    notes.push('the ladder was too short for validation loads between its points; validated one step above its last point');
    await measure(ladder(previous.concurrency + 1, 'validation'));
  }
  if (seats !== undefined) notes.push(`the endpoint's /metrics showed requests waiting with ${seats} running: ${seats} seats`);
  notes.push(`probes took ${((Date.now() - started) / 1000).toFixed(0)} s`);

  const fitRuns = measured.filter(({ probe }) => probe.role === 'fit').map(({ run }) => run);
  const validationRuns = measured.filter(({ probe }) => probe.role === 'validation').map(({ run }) => run);
  if (fitRuns.length === 0) throw new Error(`calibrate: ${options.target} completed no probe request (${notes.join('; ')})`);
  const onLadder = new Set(measured.filter(({ probe }) => probe.ladder).map(({ run }) => run.directory));
  // The verdict's figures: the twin served as a user serves it (`tokenbench serve`, its own process, as
  // the endpoint has) and measured with the very probes of each validation load.
  const measureTwin = async (profileInput: Record<string, unknown>): Promise<RunFit[]> => {
    const folder = mkdtempSync(join(tmpdir(), 'tokenbench-twin-'));
    const profilePath = join(folder, 'profile.json');
    writeFileSync(profilePath, JSON.stringify(profileInput));
    const server = await startServeProcess(['--profile', profilePath], { stderr: 'ignore' });
    const model = String(profileInput.model);
    try {
      const fits: RunFit[] = [];
      for (const { probe, run } of measured.filter((entry) => entry.probe.role === 'validation')) {
        // The twin's process is new, the endpoint's has served every probe: three waves of warm-up at the
        // load's own concurrency first (with one request, a cold process spread the first wave's arrivals
        // past a step boundary and read +38% on TTFT at concurrency 3).
        const twin = await runBenchmark({ target: server.baseURL, model, api: options.api, workload: probe.workload, concurrency: probe.concurrency, requests: probe.requests, warmup: 3 * probe.concurrency, seed: options.seed ?? 0, scrapeInterval_s: 0, out: `${run.directory}-twin` });
        fits.push(fitOf(run, { ttft_ms: twin.summary.ttft_ms.median, tpot_ms: twin.summary.tpot_ms.median }));
      }
      return fits;
    } finally {
      await server.close();
      rmSync(folder, { recursive: true, force: true });
    }
  };
  return fitAndJudge(fitRuns, validationRuns, {
    ...options,
    runs: fitRuns,
    maxNumSeqs: seats,
    endpoint: options.target,
    curve: (run) => onLadder.has(run.directory),
    notes,
    measureTwin,
  });
}
