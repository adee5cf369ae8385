import { lognormalSigmaOf, NO_JITTER, p90ThroughNoise, type StepJitter } from './jitter';
import { parseProfile, stepJitterSigma, type FittedProfile, type Profile } from '../../server/profiles';
import { simulateOnVirtualClock } from '../simulate/simulate';
import { RecordedWorkload } from '../workload/recorded';
import { nelderMead } from './nelder-mead';
import { signedPercent } from '../compare/compare';
import { middleValue, percentile, percentileUnsorted } from '../metrics/percentiles';
import { tpotOf } from '../metrics/summary';
import type { LoadedRun } from '../results/run-dir';
import type { RunSummary } from '../types/run';
import type { RequestRecord } from '../types/record';
import { concurrencyOf, fittedFamily, measuredScale, physicsFamily, type Family, type ServingLimits } from './families';

export interface RunFit {
  directory: string;
  load: string;
  /** Requests in flight (closed loop) or Little's-law concurrency (open loop). */
  concurrency: number;
  measured: { ttft_ms: number; tpot_ms: number };
  fitted: { ttft_ms: number; tpot_ms: number };
  /** (fitted − measured) / measured. */
  error: { ttft: number; tpot: number };
}

/** One structure tried: its leave-one-load-out error (worst median error over the held-out loads). */
export interface FormScore {
  family: string;
  summary: string;
  leave_one_load_out_error: number | null;
  in_sample_loss: number;
}

export interface CalibrationResult {
  /** The twin as YAML-ready data (kind: fitted or physics), the endpoint's prompt count (ratio and offset) applied. */
  profile: Record<string, unknown>;
  /** The structure chosen, and why: every form tried with its validation score. */
  structure: { chosen: string; route: 'black-box' | 'known-architecture'; forms: FormScore[] };
  /** The endpoint's prompt count against tokenbench's (ratio 1, offset 0 when the runs cannot tell). */
  promptTokens: PromptTokenMapping;
  inSample: RunFit[];
  outOfSample: RunFit[];
  iterations: number;
}

export interface FitOptions {
  model?: string;
  /** Seats of the endpoint when known (its /metrics); otherwise chosen among the measured loads. */
  maxNumSeqs?: number;
  /** tokenbench's own serving cost per request, which the twin pays itself (measured by the caller). */
  localOverhead_ms?: number;
  /**
   * Fit a front-end delay beyond `localOverhead_ms` (default true). Even a tokenbench endpoint needs
   * one: its first token comes later than the zero-latency mock's that measured the overhead, and a fit
   * without it lifted every step to explain the gap (TPOT +8% on a physics endpoint of the same structure).
   */
  fitFrontEnd?: boolean;
  /** `physics` fits a catalog model on catalog hardware; `black-box` the fitted family; `auto` physics when `physics` is given. */
  structure?: 'auto' | 'physics' | 'black-box';
  physics?: { hardware: string; model: string; gpus?: number };
  /** Progress lines (the fit of large runs takes a while). */
  log?: (line: string) => void;
}

/** The candidate's TTFT and TPOT medians on a run's own requests and load, on the virtual clock. */
interface RunFigures {
  ttft_ms: number;
  tpot_ms: number;
  ttft_p90_ms: number;
  /** Least-squares slope of TTFT against prompt length (ms per token); NaN when prompts do not vary. */
  ttft_per_prompt_token: number;
  /** Median gap between tokens: under load, a decode step alone, where TPOT also averages the prefills beside it. */
  itl_ms: number;
}

/**
 * The least-squares line y = slope · x + intercept through the points; undefined unless x spreads by more
 * than a fifth of its mean (a few tokens of tokenizer spread would make a slope of noise).
 */
function lineThrough(points: Array<{ x: number; y: number }>): { slope: number; intercept: number } | undefined {
  const meanX = points.reduce((sum, point) => sum + point.x, 0) / points.length;
  const meanY = points.reduce((sum, point) => sum + point.y, 0) / points.length;
  const variance = points.reduce((sum, point) => sum + (point.x - meanX) ** 2, 0) / points.length;
  if (!(Math.sqrt(variance) > 0.2 * meanX)) return undefined;
  const slope = points.reduce((sum, point) => sum + (point.x - meanX) * (point.y - meanY), 0) / points.length / variance;
  return { slope, intercept: meanY - slope * meanX };
}

/**
 * How much longer the first token takes per prompt token, across a run's requests: what pins compute.
 * NaN unless prompts vary by more than a fifth.
 */
function ttftSlope(records: RequestRecord[]): number {
  const ok = records.filter((record) => record.ok && record.ttft_ms !== null);
  return lineThrough(ok.map((record) => ({ x: record.prompt_tokens, y: record.ttft_ms! })))?.slope ?? NaN;
}

function figuresOf(summary: RunSummary, records: RequestRecord[]): RunFigures {
  return { ttft_ms: summary.ttft_ms.median, tpot_ms: summary.tpot_ms.median, ttft_p90_ms: summary.ttft_ms.p90, ttft_per_prompt_token: ttftSlope(records), itl_ms: summary.itl_ms.median };
}

/**
 * The same figures straight from records, with vLLM's definitions (summarizeRun's), without the full
 * summary the search does not need; the ITL median only when asked (a run at 16 holds 20,000 gaps).
 */
function figuresOfRecords(records: RequestRecord[], withGaps = true): RunFigures {
  const ok = records.filter((record) => record.ok);
  const ttfts = ok.map((record) => record.ttft_ms!).sort((a, b) => a - b);
  const tpots = ok.map(tpotOf).filter((value): value is number => value !== undefined).sort((a, b) => a - b);
  return { ttft_ms: percentile(ttfts, 50), tpot_ms: percentile(tpots, 50), ttft_p90_ms: percentile(ttfts, 90), ttft_per_prompt_token: ttftSlope(records), itl_ms: withGaps ? gapMedian(ok) : NaN };
}

/** The median of every gap between tokens of the records (NaN for none), without building or sorting one long array. */
function gapMedian(records: RequestRecord[]): number {
  // Run directories written before records kept their gaps have none: they count no gap (NaN for a run).
  const gapsOf = (record: RequestRecord): readonly number[] => record.itl_ms ?? [];
  const gaps = new Float64Array(records.reduce((count, record) => count + gapsOf(record).length, 0));
  let filled = 0;
  for (const record of records) {
    gaps.set(gapsOf(record), filled);
    filled += gapsOf(record).length;
  }
  return percentileUnsorted(gaps, 50);
}

/**
 * Requests per run replayed while searching (a 10,000-request directory fits as fast as a small one),
 * and when reporting the twin's figures.
 */
const SEARCH_REPLAY_LIMIT = 96;
const REPORT_REPLAY_LIMIT = 400;

/**
 * A p90 of fewer requests is their worst one or two: one slow outlier in a 4-request prompt probe (p90 twice
 * its median) outweighed every median of a MoE fit and left 1,024-token prefills as cheap as 64-token ones.
 */
const MIN_REQUESTS_FOR_P90 = 20;

/**
 * TTFT's slope against the prompt separates compute from fixed delays only where nothing queues: at
 * concurrency 1 it is the prompt's own prefill; under load, waits for other requests' steps swamp it
 * (a MoE run at concurrency 4 measured −0.021 ms per token, pulling the fit's prefill compute to zero).
 */
const MAX_CONCURRENCY_FOR_SLOPE = 1.5;

/** A contiguous window of a run's requests: it keeps the arrival process (open loop) and the in-flight mix (closed loop) intact. */
function replayedRecords(run: LoadedRun, limit: number): RequestRecord[] {
  if (run.records.length <= limit) return run.records;
  const start = Math.floor((run.records.length - limit) / 2);
  return run.records.slice(start, start + limit);
}

/**
 * When a closed loop's workers sent their first requests, as measured (from the first): a client starts
 * them a millisecond or so apart, and an engine that starts a step on the first arrival prefills it alone
 * (llama.cpp's first wave at 4: one prompt, then three together), where arrivals at one instant share a step.
 */
function measuredWorkerStarts(records: RequestRecord[], concurrency: number): number[] {
  const first = records.slice(0, concurrency).map((record) => record.sent_ms);
  const origin = Math.min(...first);
  return first.map((sent) => sent - origin);
}

function simulateRun(profile: Profile, run: LoadedRun, limit = REPORT_REPLAY_LIMIT, withGaps = false): RunFigures {
  const records = replayedRecords(run, limit);
  const pattern = run.info.load_pattern;
  const timed = pattern === undefined || pattern.kind === 'open';
  const outcome = simulateOnVirtualClock(profile, new RecordedWorkload(records, timed), {
    pattern: pattern ?? { kind: 'open', rate_per_s: 1, burstiness: 1 },
    requests: records.length,
    warmup: 0,
    seed: 1,
    ...(pattern?.kind === 'closed' ? { workerStarts_ms: measuredWorkerStarts(records, pattern.concurrency) } : {}),
  });
  return figuresOfRecords(outcome.records, withGaps);
}

/** A run's measured medians against the twin's (simulated or served) on the same load. */
export function fitOf(run: LoadedRun, simulated: { ttft_ms: number; tpot_ms: number }): RunFit {
  const fitted = { ttft_ms: simulated.ttft_ms, tpot_ms: simulated.tpot_ms };
  const measured = { ttft_ms: run.summary.ttft_ms.median, tpot_ms: run.summary.tpot_ms.median };
  return {
    directory: run.directory,
    load: run.info.load,
    concurrency: Number(concurrencyOf(run).toPrecision(4)),
    measured,
    fitted,
    error: { ttft: fitted.ttft_ms / measured.ttft_ms - 1, tpot: fitted.tpot_ms / measured.tpot_ms - 1 },
  };
}

/** Worst absolute median error (TTFT or TPOT) over some fits; undefined for none. */
export function worstError(fits: RunFit[]): number | undefined {
  return fits.length ? Math.max(...fits.flatMap((fit) => [Math.abs(fit.error.ttft), Math.abs(fit.error.tpot)])) : undefined;
}

/** How the endpoint's prompt count follows tokenbench's for the same request: endpoint = ratio × ours + offset. */
export interface PromptTokenMapping {
  ratio: number;
  offset: number;
}

/**
 * The endpoint's usage.prompt_tokens against tokenbench's count of the same requests, by least squares:
 * the slope is its tokens per token of text, the intercept what its chat template holds beyond ours. A
 * ratio alone (usage over ours) gave the template's difference to every token: a llama.cpp engine counts
 * 4.875 per token plus 18 where tokenbench counts 1 plus 7, and a twin at ratio 5.44 prefilled 14% to
 * 43% too many tokens. Prompts of one length cannot tell slope from intercept: the ratio alone then.
 */
export function measuredPromptTokenMapping(runs: LoadedRun[]): PromptTokenMapping {
  const pairs = runs.flatMap((run) => run.records.filter((record) => record.ok && record.requested_prompt_tokens && record.prompt_tokens > 0).map((record) => ({ ours: record.requested_prompt_tokens!, theirs: record.prompt_tokens })));
  const ratioAlone = (): PromptTokenMapping => ({ ratio: Number((middleValue(pairs.map((pair) => pair.theirs / pair.ours)) ?? 1).toPrecision(4)), offset: 0 });
  const line = pairs.length >= 3 ? lineThrough(pairs.map((pair) => ({ x: pair.ours, y: pair.theirs }))) : undefined;
  if (!line) return ratioAlone();
  const ratio = Number(line.slope.toPrecision(4));
  const offset = Number(line.intercept.toFixed(1)) || 0; // no -0 in the profile
  // A line that gives the shortest prompt measured less than a token is not how counts follow each other.
  const shortest = Math.min(...pairs.map((pair) => pair.ours));
  if (!(ratio > 0) || ratio > 100 || ratio * shortest + offset < 1) return ratioAlone();
  return { ratio, offset };
}

// Knobs are searched in a bounded log space: value = lo · (hi/lo)^σ(x), σ the logistic function.
const toUnit = (x: number) => 1 / (1 + Math.exp(-x));
const fromUnit = (u: number) => Math.log(u / (1 - u));

class BoundedFit {
  iterations = 0;
  /** What each run measured, over the same window of requests the search replays. */
  private readonly targets = new Map<LoadedRun, RunFigures>();
  constructor(
    private readonly family: Family,
    private readonly runs: LoadedRun[],
    private readonly limits: ServingLimits,
    /** The step jitter measured at the lightest load: the twin runs with it. */
    private readonly jitter: StepJitter,
    /**
     * Simulate with that jitter (fixed seed), as the twin will run: noise moves closed-loop arrivals off
     * step boundaries (a MoE twin fitted noiselessly came out 14% low on TTFT at c=4 and c=8 once it ran
     * with its jitter). Without it the loss is smooth, for the first search, and the simulated TTFT p90
     * is widened by the jitter before it meets the measured one (matching a noisy p90 with a noiseless
     * one lifted every fitted TTFT, +9% at c=1 on MoE).
     */
    private readonly withJitter = false,
  ) {
    for (const run of runs) {
      const records = replayedRecords(run, SEARCH_REPLAY_LIMIT);
      const figures = records === run.records ? figuresOf(run.summary, run.records) : figuresOfRecords(records);
      if (records.filter((record) => record.ok).length < MIN_REQUESTS_FOR_P90) figures.ttft_p90_ms = NaN;
      if (concurrencyOf(run) > MAX_CONCURRENCY_FOR_SLOPE) figures.ttft_per_prompt_token = NaN;
      else figures.itl_ms = NaN; // alone, a gap is a decode step, which TPOT already holds
      this.targets.set(run, figures);
    }
  }

  values(x: number[]): Record<string, number> {
    return Object.fromEntries(this.family.knobs.map((knob, i) => [knob.name, knob.lo * (knob.hi / knob.lo) ** toUnit(x[i])]));
  }

  point(values: Record<string, number>): number[] {
    return this.family.knobs.map((knob) => {
      const value = Math.min(knob.hi * 0.999, Math.max(knob.lo * 1.001, values[knob.name] ?? knob.start));
      return fromUnit(Math.min(0.999, Math.max(0.001, Math.log(value / knob.lo) / Math.log(knob.hi / knob.lo))));
    });
  }

  private templates = new Map<string, Profile>();

  /** The candidate profile; a fitted one is validated once per serving limits, then only its numbers change. */
  profile(values: Record<string, number>, limits = this.limits): Profile {
    const input: Record<string, unknown> = { ...this.family.profileInput(values, limits, this.withJitter ? this.jitter : NO_JITTER), prompt_token_ratio: 1 };
    if (input.kind !== 'fitted') return parseProfile(input, 'candidate');
    const key = `${limits.maxNumSeqs}/${limits.maxNumBatchedTokens}`;
    let template = this.templates.get(key);
    if (!template) this.templates.set(key, (template = parseProfile(input, 'candidate')));
    const fitted = template as FittedProfile & { name: string };
    return { ...fitted, step_ms: { ...fitted.step_ms, ...(input.step_ms as object) }, api_overhead_ms: input.api_overhead_ms as number };
  }

  loss(values: Record<string, number>, limits = this.limits, runs = this.runs): number {
    const profile = this.profile(values, limits);
    let loss = 0;
    for (const run of runs) {
      const target = this.targets.get(run)!;
      const simulated = simulateRun(profile, run, SEARCH_REPLAY_LIMIT, Number.isFinite(target.itl_ms));
      // Medians and TTFT's p90 (prompts arriving together), plus how TTFT grows with the prompt within a
      // run (relative to the run's mean TTFT per prompt token), which separates compute from fixed delays,
      // and the ITL median under load; the target leaves out the p90 and the slope where they are noise (see their limits).
      loss += Math.log(simulated.ttft_ms / target.ttft_ms) ** 2 + Math.log(simulated.tpot_ms / target.tpot_ms) ** 2;
      if (Number.isFinite(target.ttft_p90_ms)) {
        const ttftP90_ms = this.withJitter ? simulated.ttft_p90_ms : p90ThroughNoise(simulated.ttft_p90_ms, simulated.ttft_ms, stepJitterSigma(this.jitter.sigma, simulated.ttft_ms, this.jitter.reference_ms));
        loss += 0.5 * Math.log(ttftP90_ms / target.ttft_p90_ms) ** 2;
      }
      // Under load TPOT averages decode steps and the prefills beside them, and the ITL median is a decode
      // step alone: with both, the fit tells a mixed step's cost from a decode step's (a llama.cpp twin fitted
      // to TPOT alone made its mixed steps 15% cheaper than the engine's: 146 ms against 165 to 175).
      if (Number.isFinite(target.itl_ms) && Number.isFinite(simulated.itl_ms)) loss += Math.log(simulated.itl_ms / target.itl_ms) ** 2;
      if (Number.isFinite(target.ttft_per_prompt_token) && Number.isFinite(simulated.ttft_per_prompt_token)) {
        const scale = target.ttft_ms / Math.max(1, middleValue(run.records.map((record) => record.prompt_tokens)) ?? 1);
        loss += ((simulated.ttft_per_prompt_token - target.ttft_per_prompt_token) / scale) ** 2;
      }
    }
    return Number.isFinite(loss) ? loss : 1e9;
  }

  /** Nelder–Mead from `from`, restarted from its best point while that helps (the simulator has flat spots). */
  descend(from: Record<string, number>, runs = this.runs, budget = 400, restarts = 2): { values: Record<string, number>; loss: number } {
    const objective = (x: number[]) => this.loss(this.values(x), this.limits, runs);
    let best = nelderMead(objective, this.point(from), { step: 0.8, iterations: budget });
    this.iterations += best.iterations;
    for (let restart = 0; restart < restarts; restart++) {
      const next = nelderMead(objective, best.x, { step: 0.3, iterations: Math.round(budget * 0.75) });
      this.iterations += next.iterations;
      if (next.value >= best.value - 1e-9) break;
      best = next;
    }
    return { values: this.values(best.x), loss: best.value };
  }

  /**
   * The starts the family proposes, the four most promising descended (the loss has separate basins:
   * prefill under the memory floor or compute-bound, a delay in front or in prefill); the best wins.
   */
  search(): { values: Record<string, number>; loss: number } {
    const start = Object.fromEntries(this.family.knobs.map((knob) => [knob.name, knob.start]));
    const starts = [start, ...this.family.alternativeStarts.map((alternative) => ({ ...start, ...alternative }))];
    const ranked = starts.map((from) => ({ from, loss: this.loss(from) })).sort((a, b) => a.loss - b.loss);
    return ranked.slice(0, 4).map(({ from }) => this.descend(from, this.runs, 300, 1)).reduce((a, b) => (b.loss < a.loss ? b : a));
  }
}

/** Leave-one-load-out errors closer than this do not tell two forms apart (refits of noisy runs). */
const LEAVE_ONE_OUT_NOISE = 0.02;

/** Seats worth trying: the loads measured (a knee shows a seat limit) and an unlimited engine. */
function seatCandidates(runs: LoadedRun[], known?: number): number[] {
  if (known) return [known];
  // A seat limit at or above the heaviest load is indistinguishable from none.
  const heaviest = Math.max(...runs.map(concurrencyOf));
  return [...new Set(runs.map((run) => Math.round(concurrencyOf(run))).filter((c) => c >= 1 && c < heaviest))].sort((a, b) => a - b);
}

/** Per-step token budgets of common engines (llama.cpp's n_batch/n_ubatch, vLLM's max_num_batched_tokens). */
const BATCH_TOKEN_CANDIDATES = [128, 256, 512, 1024, 2048, 8192];

interface FormFit {
  family: Family;
  values: Record<string, number>;
  limits: ServingLimits;
  loss: number;
  iterations: number;
  jitter: StepJitter;
}

/**
 * Continuous knobs by descent, for each candidate seat count (a seat limit changes which knobs explain
 * the load curve, so each gets its own descent); the step's token budget by enumeration at each.
 */
function fitForm(family: Family, runs: LoadedRun[], options: FitOptions, jitter: StepJitter, nested?: FormFit): FormFit {
  const unlimited: ServingLimits = { maxNumSeqs: options.maxNumSeqs ?? 256, maxNumBatchedTokens: 8192 };
  // The noiseless search's optimum competes as the start: its loss is smooth, so it reaches basins the
  // noisy search steps over (on an 8B fixture the noisy search alone stopped with every TPOT 7% high).
  const quiet = new BoundedFit(family, runs, unlimited, jitter);
  const noisy = new BoundedFit(family, runs, unlimited, jitter, true);
  const quietStart = quiet.search();
  const noisyStart = noisy.search();
  const quietLoss = noisy.loss(quietStart.values);
  const start = quietLoss < noisyStart.loss ? { values: quietStart.values, loss: quietLoss } : noisyStart;
  let iterations = noisy.iterations + quiet.iterations;
  let best: FormFit | undefined = options.maxNumSeqs ? undefined : { family, values: start.values, limits: unlimited, loss: start.loss, iterations: 0, jitter };
  for (const maxNumSeqs of seatCandidates(runs, options.maxNumSeqs)) {
    // The budget by the smooth loss: the jittered one's single noise draw picked 128 tokens for a llama.cpp
    // engine batching 512 (its loss 0.19 against 0.44, where the smooth loss said 0.34 against 0.24), and
    // prompts split over three steps made every decode step beside them slower (TPOT +9%, TTFT +19% at 5).
    const maxNumBatchedTokens = BATCH_TOKEN_CANDIDATES.map((tokens) => ({ tokens, loss: quiet.loss(start.values, { maxNumSeqs, maxNumBatchedTokens: tokens }) })).reduce((a, b) => (b.loss < a.loss ? b : a)).tokens;
    const limits = { maxNumSeqs, maxNumBatchedTokens };
    const fit = new BoundedFit(family, runs, limits, jitter, true);
    const descended = fit.descend(start.values, runs, 150, 1);
    iterations += fit.iterations;
    if (!best || descended.loss < best.loss) best = { family, values: descended.values, limits, loss: descended.loss, iterations: 0, jitter };
  }
  if (nested) {
    // The simpler form this one nests, at its own limits, as a start: a richer form never fits worse than
    // the form it contains (a MoE calibration once left the saturating form in a basin 13% worse than linear).
    const fit = new BoundedFit(family, runs, nested.limits, jitter, true);
    const descended = fit.descend({ ...Object.fromEntries(family.knobs.map((knob) => [knob.name, knob.start])), ...nested.values, ...family.nestedAt }, runs, 150, 1);
    iterations += fit.iterations;
    if (!best || descended.loss < best.loss) best = { family, values: descended.values, limits: nested.limits, loss: descended.loss, iterations: 0, jitter };
  }
  return { ...best!, iterations };
}

/**
 * Leave-one-load-out: refit without each run (warm-started), and score the form on the run it never saw;
 * the score is the mean over the folds (cross-validation's estimate), as the worst fold is usually the
 * one extrapolation no form makes well (the longest prompt, the heaviest load) and swings with noise.
 */
function leaveOneLoadOut(form: FormFit, runs: LoadedRun[]): { error: number | null; iterations: number } {
  if (runs.length < 3) return { error: null, iterations: 0 };
  let total = 0;
  let iterations = 0;
  for (const held of runs) {
    const rest = runs.filter((run) => run !== held);
    const fit = new BoundedFit(form.family, rest, form.limits, form.jitter, true);
    const refit = fit.descend(form.values, rest, 80, 0);
    iterations += fit.iterations;
    const error = worstError([fitOf(held, simulateRun(fit.profile(refit.values), held))]) ?? 0;
    total += error;
  }
  return { error: total / runs.length, iterations };
}

function roundValues(values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, Number(value.toPrecision(5))]));
}

/**
 * Fits a twin profile to measured runs: simulating each run's own requests and load on the virtual clock
 * must reproduce its TTFT and TPOT medians, TTFT p90 and TTFT's growth with the prompt (least squares,
 * Nelder–Mead over bounded log-knobs, several starts). With a catalog model and hardware the physics
 * structure is kept and only efficiencies fitted; otherwise nested black-box forms compete by
 * leave-one-load-out validation. Every simulated request first waits tokenbench's own serving overhead
 * (`localOverhead_ms`), which the twin pays itself; for an endpoint that is not tokenbench an extra
 * front-end delay is fitted. Step jitter comes from the spread of inter-token gaps at the lightest load;
 * answer lengths from the measured outputs; the prompt count's ratio and offset from usage against what tokenbench counts for the same requests.
 */
export function fitProfile(runs: LoadedRun[], holdout: LoadedRun[], options: FitOptions = {}): CalibrationResult {
  const localOverhead_ms = options.localOverhead_ms ?? 0;
  const usable = runs.filter((run) => run.summary.completed > 0 && Number.isFinite(run.summary.tpot_ms.median) && Number.isFinite(run.summary.ttft_ms.median));
  if (usable.length === 0) throw new Error('calibrate needs runs with completed multi-token requests');
  const validation = holdout.filter((run) => run.summary.completed > 0 && Number.isFinite(run.summary.tpot_ms.median));
  const lightest = [...usable].sort((a, b) => concurrencyOf(a) - concurrencyOf(b))[0];
  const log = options.log ?? (() => {});

  const outputs = usable.flatMap((run) => run.records.filter((record) => record.ok).map((record) => Math.log(Math.max(1, record.output_tokens))));
  const meanLog = outputs.reduce((sum, value) => sum + value, 0) / outputs.length;
  const sigmaLog = Math.sqrt(outputs.reduce((sum, value) => sum + (value - meanLog) ** 2, 0) / outputs.length);
  // The spread of gaps at the lightest load is step-time noise (the machine's own included: see jitterBeyondFloor).
  // They spread that much over one decode step there; a longer step (a prefill) averages its parts' noise.
  const itl = lightest.summary.itl_ms;
  const jitter: StepJitter = { sigma: Number(Math.min(0.5, lognormalSigmaOf(itl.p90, itl.median)).toFixed(4)), reference_ms: Number(Math.max(0.001, lightest.summary.tpot_ms.median).toPrecision(4)) };
  const promptTokens = measuredPromptTokenMapping(usable);
  const servedModel = options.model ?? usable[0].info.model;
  const base: Record<string, unknown> = {
    model: servedModel,
    description: `Twin of ${usable[0].info.model} at ${usable[0].info.target}, fitted by tokenbench calibrate to ${usable.length} run(s)`,
    output_tokens: { dist: 'lognormal', median: Math.round(Math.exp(meanLog)), sigma: Number(sigmaLog.toFixed(3)) },
  };
  const scale = measuredScale(usable);
  const fitsFrontEnd = options.fitFrontEnd ?? true;
  const structure = options.structure ?? 'auto';
  if (structure === 'physics' && !options.physics) throw new Error('the physics structure needs a catalog hardware and model');
  const route: CalibrationResult['structure']['route'] = options.physics && structure !== 'black-box' ? 'known-architecture' : 'black-box';
  const families =
    route === 'known-architecture'
      ? [physicsFamily(options.physics!.hardware, options.physics!.model, options.physics!.gpus ?? 1, scale, base, localOverhead_ms, fitsFrontEnd)]
      : (['linear', 'saturating'] as const).map((form) => fittedFamily(form, scale, base, localOverhead_ms, fitsFrontEnd));

  let iterations = 0;
  let simpler: FormFit | undefined;
  const scored = families.map((family) => {
    log(`calibrate: fitting ${family.name} to ${usable.length} run(s)`);
    // Families come simplest first, each nesting the one before it.
    const form = fitForm(family, usable, options, jitter, simpler);
    simpler = form;
    const lolo = families.length > 1 ? leaveOneLoadOut(form, usable) : { error: null, iterations: 0 };
    iterations += form.iterations + lolo.iterations;
    return { form, lolo: lolo.error };
  });
  // The simpler form wins unless the richer one validates clearly better on loads it did not see; within
  // the leave-one-out's own noise, the clearly better in-sample fit wins (a MoE saturating fit at in-sample
  // loss 0.137 against 0.252, left-out error 0.143 against 0.133, lost to a linear form 16% off at c=10).
  const fitsClearlyBetter = (richer: FormFit, simpler: FormFit) => richer.loss < simpler.loss * 0.9;
  const chosen = scored.reduce((a, b) => {
    if (a.lolo === null || b.lolo === null || Math.abs(b.lolo - a.lolo) <= LEAVE_ONE_OUT_NOISE) return fitsClearlyBetter(b.form, a.form) ? b : a;
    return b.lolo < a.lolo ? b : a;
  });
  const values = roundValues(chosen.form.values);
  const final = parseProfile({ ...chosen.form.family.profileInput(values, chosen.form.limits, jitter), prompt_token_ratio: 1 }, 'twin');
  const inSample = usable.map((run) => fitOf(run, simulateRun(final, run)));
  const outOfSample = validation.map((run) => fitOf(run, simulateRun(final, run)));
  // The twin is served by tokenbench, whose own request handling already costs `localOverhead_ms`;
  // the profile keeps only what the endpoint's front end costs beyond that.
  const input = chosen.form.family.profileInput(values, chosen.form.limits, jitter);
  const api_overhead_ms = Number(Math.max(0, (input.api_overhead_ms as number) - localOverhead_ms).toPrecision(5));
  const round4 = (value: number | undefined) => (value === undefined ? undefined : Number(value.toFixed(4)));
  return {
    profile: {
      ...input,
      api_overhead_ms,
      prompt_token_ratio: promptTokens.ratio,
      prompt_token_offset: promptTokens.offset,
      fit: {
        structure: chosen.form.family.name,
        route,
        front_end_overhead_ms: input.api_overhead_ms,
        tokenbench_serving_overhead_ms: Number(localOverhead_ms.toPrecision(4)),
        ...(fitsFrontEnd ? {} : { endpoint: 'no front-end delay fitted' }),
        forms: Object.fromEntries(scored.map(({ form, lolo }) => [form.family.name, { in_sample_loss: Number(form.loss.toPrecision(4)), leave_one_load_out_error: round4(lolo ?? undefined) ?? null }])),
        runs: usable.map((run) => run.directory),
        holdout: validation.map((run) => run.directory),
        in_sample_worst_error: round4(worstError(inSample)),
        out_of_sample_worst_error: round4(worstError(outOfSample)),
      },
    },
    structure: {
      chosen: chosen.form.family.name,
      route,
      forms: scored.map(({ form, lolo }) => ({ family: form.family.name, summary: form.family.summary, leave_one_load_out_error: lolo, in_sample_loss: form.loss })),
    },
    promptTokens,
    inSample,
    outOfSample,
    iterations,
  };
}

export function formatFitErrors(result: CalibrationResult): string {
  const lines = ['run | load | TTFT median measured → twin | TPOT median measured → twin'];
  const row = (fit: RunFit, tag: string) =>
    `${tag} ${fit.directory} | ${fit.load} | ${fit.measured.ttft_ms.toFixed(2)} → ${fit.fitted.ttft_ms.toFixed(2)} ms (${signedPercent(fit.error.ttft)}) | ${fit.measured.tpot_ms.toFixed(2)} → ${fit.fitted.tpot_ms.toFixed(2)} ms (${signedPercent(fit.error.tpot)})`;
  for (const fit of result.inSample) lines.push(row(fit, '[fit]'));
  for (const fit of result.outOfSample) lines.push(row(fit, '[validation]'));
  return lines.join('\n') + `\n(structure ${result.structure.chosen}, ${result.structure.route}; ${result.iterations} Nelder–Mead iterations)`;
}
