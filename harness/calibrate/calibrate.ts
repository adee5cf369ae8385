import { parseProfile, type FittedProfile, type Profile } from '../../server/profiles';
import { summarizeRun } from '../metrics/summary';
import { simulateOnVirtualClock } from '../simulate/simulate';
import { RecordedWorkload } from '../workload/recorded';
import { nelderMead } from './nelder-mead';
import { signedPercent } from '../compare/compare';
import { middleValue } from '../metrics/percentiles';
import type { LoadedRun } from '../results/run-dir';
import type { RunSummary } from '../types/run';
import type { RequestRecord } from '../types/record';

export interface RunFit {
  directory: string;
  load: string;
  measured: { ttft_ms: number; tpot_ms: number };
  fitted: { ttft_ms: number; tpot_ms: number };
  /** (fitted − measured) / measured. */
  error: { ttft: number; tpot: number };
}

export interface CalibrationResult {
  /** The profile as YAML-ready data (kind: fitted). */
  profile: Record<string, unknown>;
  inSample: RunFit[];
  outOfSample: RunFit[];
  iterations: number;
}

type StepParameters = FittedProfile['step_ms'] & { api_overhead_ms: number };


function candidate(base: Record<string, unknown>, parameters: StepParameters, jitter_sigma: number): Profile {
  const { api_overhead_ms, ...step_ms } = parameters;
  return parseProfile({ ...base, step_ms, api_overhead_ms, jitter_sigma }, 'candidate');
}

/** The candidate profile's TTFT and TPOT medians on a run's own requests and load, on the virtual clock. */
interface RunFigures {
  ttft_ms: number;
  tpot_ms: number;
  ttft_p90_ms: number;
  /** Least-squares slope of TTFT against prompt length (ms per token); NaN when prompts do not vary. */
  ttft_per_prompt_token: number;
}

/** How much longer the first token takes per prompt token, across a run's requests: what pins compute. */
function ttftSlope(records: RequestRecord[]): number {
  const ok = records.filter((record) => record.ok && record.ttft_ms !== null);
  const meanP = ok.reduce((sum, record) => sum + record.prompt_tokens, 0) / ok.length;
  const meanT = ok.reduce((sum, record) => sum + record.ttft_ms!, 0) / ok.length;
  let covariance = 0;
  let variance = 0;
  for (const record of ok) {
    covariance += (record.prompt_tokens - meanP) * (record.ttft_ms! - meanT);
    variance += (record.prompt_tokens - meanP) ** 2;
  }
  return variance > 0 ? covariance / variance : NaN;
}

function figuresOf(summary: RunSummary, records: RequestRecord[]): RunFigures {
  return { ttft_ms: summary.ttft_ms.median, tpot_ms: summary.tpot_ms.median, ttft_p90_ms: summary.ttft_ms.p90, ttft_per_prompt_token: ttftSlope(records) };
}

function simulateRun(profile: Profile, run: LoadedRun): RunFigures {
  const pattern = run.info.load_pattern;
  const timed = pattern === undefined || pattern.kind === 'open';
  const outcome = simulateOnVirtualClock(profile, new RecordedWorkload(run.records, timed), {
    pattern: pattern ?? { kind: 'open', rate_per_s: 1, burstiness: 1 },
    requests: run.records.length,
    warmup: 0,
    seed: 1,
  });
  return figuresOf(summarizeRun(outcome.records, Math.max(outcome.duration_s, 1e-3)), outcome.records);
}

function fitOf(run: LoadedRun, simulated: { ttft_ms: number; tpot_ms: number }): RunFit {
  const fitted = { ttft_ms: simulated.ttft_ms, tpot_ms: simulated.tpot_ms };
  const measured = { ttft_ms: run.summary.ttft_ms.median, tpot_ms: run.summary.tpot_ms.median };
  return {
    directory: run.directory,
    load: run.info.load,
    measured,
    fitted,
    error: { ttft: fitted.ttft_ms / measured.ttft_ms - 1, tpot: fitted.tpot_ms / measured.tpot_ms - 1 },
  };
}

const concurrencyOf = (run: LoadedRun) => (run.info.load_pattern?.kind === 'closed' ? run.info.load_pattern.concurrency : run.summary.request_throughput * (run.summary.e2el_ms.mean / 1000));

/**
 * Fits a `fitted` profile to measured runs: an effective roofline step time (fixed + per sequence +
 * max(memory floor, compute per token × tokens)), chosen so that simulating each run's own requests and load
 * reproduces its TTFT and TPOT medians, TTFT p90 and TTFT's slope against prompt length (least squares,
 * Nelder–Mead over log-parameters). Every simulated request first waits tokenbench's own serving
 * overhead (`localOverhead_ms`, measured by the caller), which the twin pays itself; for an endpoint that
 * is not tokenbench an extra front-end delay is fitted too, and that extra is what the profile keeps.
 * Step-time jitter comes from the spread of inter-token gaps at the lightest load; answer lengths from
 * the measured output lengths.
 */
export function fitProfile(runs: LoadedRun[], holdout: LoadedRun[], options: { model?: string; maxNumSeqs?: number; localOverhead_ms?: number; endpointIsTokenbench?: boolean } = {}): CalibrationResult {
  const localOverhead_ms = options.localOverhead_ms ?? 0;
  const usable = runs.filter((run) => run.summary.completed > 0 && Number.isFinite(run.summary.tpot_ms.median));
  if (usable.length === 0) throw new Error('calibrate needs runs with completed multi-token requests');
  const lightest = [...usable].sort((a, b) => concurrencyOf(a) - concurrencyOf(b))[0];
  const heaviest = [...usable].sort((a, b) => concurrencyOf(b) - concurrencyOf(a))[0];

  const outputs = usable.flatMap((run) => run.records.filter((record) => record.ok).map((record) => Math.log(Math.max(1, record.output_tokens))));
  const meanLog = outputs.reduce((sum, value) => sum + value, 0) / outputs.length;
  const sigmaLog = Math.sqrt(outputs.reduce((sum, value) => sum + (value - meanLog) ** 2, 0) / outputs.length);
  // The spread of gaps at the lightest load is step-time noise: p90/p50 = exp(1.2816 σ) for a lognormal.
  const itl = lightest.summary.itl_ms;
  const jitter_sigma = Number(Math.min(0.5, Math.max(0, Math.log(itl.p90 / itl.median) / 1.2816)).toFixed(4));
  const base: Record<string, unknown> = {
    kind: 'fitted',
    model: options.model ?? usable[0].info.model,
    description: `Fitted by tokenbench calibrate to ${usable.length} run(s) of ${usable[0].info.model} at ${usable[0].info.target}`,
    output_tokens: { dist: 'lognormal', median: Math.round(Math.exp(meanLog)), sigma: Number(sigmaLog.toFixed(3)) },
    max_num_seqs: options.maxNumSeqs ?? 256,
  };

  // A starting point read straight off the lightest and heaviest runs: a lone decode step is mostly the
  // memory floor; the heaviest run's first-token time is mostly compute over its prompts.
  const prompt = middleValue(heaviest.records.map((record) => record.prompt_tokens)) ?? NaN;
  const tpotLight = lightest.summary.tpot_ms.median;
  const slope = Math.max(1e-4, (heaviest.summary.tpot_ms.median - tpotLight) / Math.max(1, concurrencyOf(heaviest) - concurrencyOf(lightest)));
  const start: StepParameters = {
    fixed: 0.1 * tpotLight,
    per_sequence: slope,
    memory_floor: 0.85 * tpotLight,
    compute_per_token: Math.max(1e-6, heaviest.summary.ttft_ms.median / Math.max(1, concurrencyOf(heaviest) * prompt)),
    per_context_kilotoken: 0,
    // The measurement path (network, HTTP, the server's request handling) delays every request before
    // the engine sees it: at least tokenbench's own serving overhead (the twin pays that itself), plus,
    // for another endpoint, a fitted extra front-end delay.
    api_overhead_ms: localOverhead_ms,
  };
  const stepNames = ['fixed', 'per_sequence', 'memory_floor', 'compute_per_token'] as const;
  const fitsExtra = !options.endpointIsTokenbench;
  const toParameters = (x: number[]): StepParameters =>
    ({
      ...start,
      ...Object.fromEntries(stepNames.map((name, i) => [name, Math.exp(x[i])])),
      api_overhead_ms: localOverhead_ms + (fitsExtra ? Math.exp(x[stepNames.length]) : 0),
    }) as StepParameters;
  const measured = usable.map((run) => figuresOf(run.summary, run.records));
  const objective = (x: number[]) => {
    const profile = candidate(base, toParameters(x), 0);
    let loss = 0;
    usable.forEach((run, index) => {
      const simulated = simulateRun(profile, run);
      const target = measured[index];
      // Medians and TTFT's p90 (prompts arriving together), plus how TTFT grows with the prompt, which
      // separates compute per token from fixed delays (relative to the run's mean TTFT per prompt token).
      loss +=
        Math.log(simulated.ttft_ms / target.ttft_ms) ** 2 +
        Math.log(simulated.tpot_ms / target.tpot_ms) ** 2 +
        Math.log(simulated.ttft_p90_ms / target.ttft_p90_ms) ** 2;
      if (Number.isFinite(target.ttft_per_prompt_token) && Number.isFinite(simulated.ttft_per_prompt_token)) {
        const scale = target.ttft_ms / Math.max(1, middleValue(run.records.map((record) => record.prompt_tokens)) ?? 1);
        loss += ((simulated.ttft_per_prompt_token - target.ttft_per_prompt_token) / scale) ** 2;
      }
    });
    return Number.isFinite(loss) ? loss : 1e9;
  };
  // Nelder–Mead stalls on the simulator's flat spots; restarting from the best point escapes them.
  let iterations = 0;
  const descend = (from: number[]) => {
    let best = nelderMead(objective, from, { step: 0.7, iterations: 400 });
    iterations += best.iterations;
    for (let restart = 0; restart < 3; restart++) {
      const next = nelderMead(objective, best.x, { step: 0.3, iterations: 300 });
      iterations += next.iterations;
      if (next.value >= best.value - 1e-9) break;
      best = next;
    }
    return best;
  };
  // The loss has two basins: prefill under the memory floor (the first token is one ordinary step) and
  // prefill compute-bound (the first token grows with the prompt). Nelder–Mead started in one rarely
  // crosses to the other (test/harness/calibrate-fit.test.ts holds runs that trap it), so it also starts
  // from compute per token read off the lightest run: its first token, less the serving overhead, is
  // mostly one prefill of its prompts.
  const lightPrompt = middleValue(lightest.records.map((record) => record.prompt_tokens)) ?? prompt;
  const lightComputePerToken = Math.max(0.1, lightest.summary.ttft_ms.median - localOverhead_ms - start.fixed) / Math.max(1, lightPrompt);
  const stepStarts = [start, { ...start, compute_per_token: lightComputePerToken }].map((from) => stepNames.map((name) => Math.log(from[name])));
  // An extra front-end delay trades off against compute per token (both lengthen the first token), so
  // its search starts from a small, a middling and a large share of the first token's time.
  const firstTokenGap = Math.max(0.1, lightest.summary.ttft_ms.median - tpotLight - localOverhead_ms);
  const starts = stepStarts.flatMap((stepStart) => (fitsExtra ? [0.1, 0.5, 0.9].map((share) => [...stepStart, Math.log(Math.max(0.05, share * firstTokenGap))]) : [stepStart]));
  const best = starts.map(descend).reduce((a, b) => (b.value < a.value ? b : a));
  const parameters = toParameters(best.x);
  const rounded = Object.fromEntries(Object.entries(parameters).map(([key, value]) => [key, Number(value.toPrecision(5))])) as StepParameters;
  const final = candidate(base, rounded, jitter_sigma);
  const { api_overhead_ms: measuredOverhead_ms, ...step_ms } = rounded;
  // The twin is served by tokenbench, whose own request handling already costs `localOverhead_ms`;
  // the profile adds only the extra the measured endpoint's front end cost beyond that.
  const api_overhead_ms = Number(Math.max(0, measuredOverhead_ms - localOverhead_ms).toPrecision(5));
  const inSample = usable.map((run) => fitOf(run, simulateRun(final, run)));
  const outOfSample = holdout.map((run) => fitOf(run, simulateRun(final, run)));
  const worst = (fits: RunFit[]) => (fits.length ? Number(Math.max(...fits.flatMap((fit) => [Math.abs(fit.error.ttft), Math.abs(fit.error.tpot)])).toFixed(4)) : undefined);
  return {
    profile: {
      ...base,
      step_ms,
      api_overhead_ms,
      jitter_sigma,
      fit: {
        front_end_overhead_ms: measuredOverhead_ms,
        tokenbench_serving_overhead_ms: Number(localOverhead_ms.toPrecision(4)),
        ...(options.endpointIsTokenbench ? { endpoint: 'tokenbench (no extra front-end delay fitted)' } : {}),
        runs: usable.map((run) => run.directory),
        holdout: holdout.map((run) => run.directory),
        in_sample_worst_error: worst(inSample),
        out_of_sample_worst_error: worst(outOfSample),
      },
    },
    inSample,
    outOfSample,
    iterations,
  };
}

export function formatFitErrors(result: CalibrationResult): string {
  const lines = ['run | load | TTFT median measured → fitted | TPOT median measured → fitted'];
  const row = (fit: RunFit, tag: string) =>
    `${tag} ${fit.directory} | ${fit.load} | ${fit.measured.ttft_ms.toFixed(2)} → ${fit.fitted.ttft_ms.toFixed(2)} ms (${signedPercent(fit.error.ttft)}) | ${fit.measured.tpot_ms.toFixed(2)} → ${fit.fitted.tpot_ms.toFixed(2)} ms (${signedPercent(fit.error.tpot)})`;
  for (const fit of result.inSample) lines.push(row(fit, '[fit]'));
  for (const fit of result.outOfSample) lines.push(row(fit, '[holdout]'));
  return lines.join('\n') + `\n(${result.iterations} Nelder–Mead iterations)`;
}
