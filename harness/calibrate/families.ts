import { middleValue } from '../metrics/percentiles';
import type { LoadedRun } from '../results/run-dir';
import type { StepJitter } from './jitter';

/**
 * The structures calibrate can fit, each a set of bounded knobs and a way to turn them into a profile.
 * Bounds come from the measurements themselves (no delay may be longer than the latency it explains),
 * so no starting point can send a knob to an absurd value (docs/DESIGN.md §2).
 */
export interface Knob {
  name: string;
  lo: number;
  hi: number;
  /** Where the search starts (clamped into the bounds). */
  start: number;
}

/** Serving limits a client cannot read off continuous knobs: chosen among candidates. */
export interface ServingLimits {
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
}

export interface Family {
  /** `fitted-linear`, `fitted-saturating` or `physics`. */
  name: string;
  /** One line for the report: what the structure assumes. */
  summary: string;
  knobs: Knob[];
  /** Profile input (YAML-ready) for these knob values; `prompt_token_ratio` is left to the caller. */
  profileInput(values: Record<string, number>, limits: ServingLimits, jitter: StepJitter): Record<string, unknown>;
  /** Other starting points worth a descent (knob name → value), beyond `start`. */
  alternativeStarts: Array<Record<string, number>>;
  /** Knob values at which this family is the simpler one it nests (saturating: no batch memory). */
  nestedAt?: Record<string, number>;
}

/** What the runs say about the endpoint, read once: the scale of every bound and start. */
export interface MeasuredScale {
  minTtft_ms: number;
  minTpot_ms: number;
  maxTpot_ms: number;
  /** Upper bound of compute per prompt token: no run's first token came sooner than its prefill. */
  maxComputePerToken_ms: number;
  /** Upper bound of the attention term: per million (token × context) pairs of a lone prompt. */
  maxAttentionPerMpair_ms: number;
  /** Upper bound of KV reads per 1,000 tokens of context. */
  maxPerContextKilotoken_ms: number;
  /** First-token time of the lightest run, less one decode step: a prefill plus front-end delays. */
  lightPrefill_ms: number;
  lightPrompt: number;
  /** First-token time of the longest prompt measured at the lightest load: a prefill that may be compute-bound. */
  longPromptTtft_ms: number;
  longPrompt: number;
  lightTpot_ms: number;
  heavyTpot_ms: number;
  /** TPOT median of the next load above the lightest: a jump there is a kernel switch or the first experts beyond one token's. */
  nextTpot_ms: number;
  concurrencySpan: number;
}

/** The profile's noise knobs; none when there is no noise. */
const jitterKnobs = (jitter: StepJitter) => ({ jitter_sigma: jitter.sigma, ...(jitter.sigma > 0 ? { jitter_reference_ms: jitter.reference_ms } : {}) });

/**
 * The measured gap spread already holds a MoE's expert imbalance: the catalog's own would count it twice.
 * And the twin is served as it was fitted: the fit replays records, which hold no text, so no prompt
 * ever hit a prefix cache there; served with one, shared openings of synthetic prompts made a llama.cpp
 * twin 11% faster on TTFT at 6 than its own simulation (the endpoint's cache, if any, is in what was measured).
 */
const AS_FITTED = { moe_imbalance_sigma: 0, prefix_caching: false };

export const concurrencyOf = (run: LoadedRun) => (run.info.load_pattern?.kind === 'closed' ? run.info.load_pattern.concurrency : run.summary.request_throughput * (run.summary.e2el_ms.mean / 1000));
const promptOf = (run: LoadedRun) => middleValue(run.records.filter((record) => record.ok).map((record) => record.prompt_tokens)) ?? 1;
const outputOf = (run: LoadedRun) => middleValue(run.records.filter((record) => record.ok).map((record) => record.output_tokens)) ?? 1;

export function measuredScale(runs: LoadedRun[]): MeasuredScale {
  const byLoad = [...runs].sort((a, b) => concurrencyOf(a) - concurrencyOf(b));
  const lightest = byLoad[0];
  const heaviest = byLoad[byLoad.length - 1];
  const ttft = (run: LoadedRun) => run.summary.ttft_ms.median;
  const tpot = (run: LoadedRun) => run.summary.tpot_ms.median;
  const lightTpot_ms = tpot(lightest);
  const longest = byLoad.filter((run) => concurrencyOf(run) <= concurrencyOf(lightest)).reduce((a, b) => (promptOf(b) > promptOf(a) ? b : a));
  return {
    minTtft_ms: Math.min(...runs.map(ttft)),
    minTpot_ms: Math.min(...runs.map(tpot)),
    maxTpot_ms: Math.max(...runs.map(tpot)),
    maxComputePerToken_ms: Math.min(...runs.map((run) => ttft(run) / promptOf(run))),
    maxAttentionPerMpair_ms: Math.min(...runs.map((run) => ttft(run) / ((promptOf(run) ** 2 / 2) / 1e6))),
    maxPerContextKilotoken_ms: Math.min(...runs.map((run) => tpot(run) / ((promptOf(run) + outputOf(run)) / 1000))),
    lightPrefill_ms: Math.max(0.05, ttft(lightest) - lightTpot_ms),
    lightPrompt: promptOf(lightest),
    longPromptTtft_ms: ttft(longest),
    longPrompt: promptOf(longest),
    lightTpot_ms,
    heavyTpot_ms: tpot(heaviest),
    nextTpot_ms: tpot(byLoad.find((run) => concurrencyOf(run) > concurrencyOf(lightest)) ?? heaviest),
    concurrencySpan: Math.max(1, concurrencyOf(heaviest) - concurrencyOf(lightest)),
  };
}

/**
 * The black-box family: an effective roofline whose terms a client can identify (server/profiles/fitted.ts).
 * `saturating` adds a batch memory term that flattens (distinct experts touched); `linear` has only the
 * per-sequence cost, which grows forever. Nested: linear is saturating with batch_memory = 0.
 */
export function fittedFamily(form: 'linear' | 'saturating', scale: MeasuredScale, base: Record<string, unknown>, localOverhead_ms: number, fitsFrontEnd: boolean): Family {
  const s = scale;
  const batchSlope = Math.max(1e-4, (s.heavyTpot_ms - s.lightTpot_ms) / s.concurrencySpan);
  const knobs: Knob[] = [
    { name: 'fixed', lo: 1e-4, hi: s.minTpot_ms, start: 0.1 * s.lightTpot_ms },
    { name: 'memory_floor', lo: 1e-3, hi: s.minTpot_ms, start: 0.8 * s.lightTpot_ms },
    { name: 'per_sequence', lo: 1e-6, hi: s.maxTpot_ms, start: form === 'linear' ? batchSlope : 1e-3 },
    { name: 'compute_per_token', lo: 1e-7, hi: s.maxComputePerToken_ms, start: (0.5 * s.lightPrefill_ms) / s.lightPrompt },
    { name: 'prefill_attention_per_mpair', lo: 1e-7, hi: s.maxAttentionPerMpair_ms, start: 1e-4 },
    { name: 'per_context_kilotoken', lo: 1e-7, hi: s.maxPerContextKilotoken_ms, start: 1e-3 },
    { name: 'cache_attention_per_mpair', lo: 1e-7, hi: s.maxAttentionPerMpair_ms, start: 1e-3 },
  ];
  if (form === 'saturating') {
    knobs.push({ name: 'batch_memory', lo: 1e-4, hi: 4 * s.maxTpot_ms, start: Math.max(1e-3, s.heavyTpot_ms - s.lightTpot_ms) });
    knobs.push({ name: 'batch_memory_scale', lo: 0.3, hi: 4096, start: Math.max(1, s.concurrencySpan / 2) });
  }
  // The front end (network, gateway, tokenization) delays every request once; at most the fastest first token.
  if (fitsFrontEnd) knobs.push({ name: 'front_end_ms', lo: 0.01, hi: Math.max(0.02, s.minTtft_ms - localOverhead_ms), start: 0.3 * s.lightPrefill_ms });
  const computeFromLightRun = Math.max(1e-7, s.lightPrefill_ms - localOverhead_ms) / s.lightPrompt;
  return {
    name: `fitted-${form}`,
    summary:
      form === 'linear'
        ? 'effective roofline: fixed + per-sequence cost + max(memory floor + KV reads, compute per token + prefill attention)'
        : 'effective roofline with a saturating batch memory term (distinct experts touched): fixed + per-sequence + max(memory floor + experts(n) + KV reads, compute + attention)',
    knobs,
    ...(form === 'saturating' ? { nestedAt: { batch_memory: 1e-4 } } : {}),
    alternativeStarts: [
      // Prefill compute-bound: the lightest first token is mostly one prefill of its prompt.
      { compute_per_token: computeFromLightRun, ...(fitsFrontEnd ? { front_end_ms: 0.1 * s.lightPrefill_ms } : {}) },
      // Prefill mostly a front-end delay.
      { compute_per_token: 0.1 * computeFromLightRun, ...(fitsFrontEnd ? { front_end_ms: 0.8 * s.lightPrefill_ms } : {}) },
      // The step's cost jumps from one token to a few, then flattens (a CPU engine's matrix-vector to
      // matrix-matrix switch, a MoE layer's experts): the whole jump in the saturating term.
      ...(form === 'saturating'
        ? [
            { compute_per_token: computeFromLightRun, batch_memory: Math.max(1e-3, 1.2 * (s.nextTpot_ms - s.lightTpot_ms)), batch_memory_scale: 0.7, per_sequence: 1e-4 },
            // Every expert read once a step holds a few tokens (MoE): a prompt's step costs the whole term,
            // a lone decode step none of it, so the first token's cost over a decode step is the term, not
            // a front-end delay (a MoE fit left in that basin put 15 ms in front and missed TPOT by 25%);
            // the longest prompt is compute-bound (a MoE prefill stayed flat from 64 to 256 tokens, not to 1,024).
            {
              batch_memory: Math.max(1e-3, s.lightPrefill_ms - localOverhead_ms),
              batch_memory_scale: Math.max(1, s.concurrencySpan / 4),
              compute_per_token: Math.min(s.maxComputePerToken_ms, Math.max(1e-7, (s.longPromptTtft_ms - localOverhead_ms) / s.longPrompt)),
              per_sequence: 1e-4,
              ...(fitsFrontEnd ? { front_end_ms: 0.02 } : {}),
            },
          ]
        : []),
    ],
    profileInput(values, limits, jitter) {
      const step_ms = Object.fromEntries(knobs.filter((knob) => knob.name !== 'front_end_ms').map((knob) => [knob.name, values[knob.name]]));
      return {
        ...base,
        kind: 'fitted',
        step_ms,
        api_overhead_ms: localOverhead_ms + (values.front_end_ms ?? 0),
        ...jitterKnobs(jitter),
        ...AS_FITTED,
        max_num_seqs: limits.maxNumSeqs,
        max_num_batched_tokens: limits.maxNumBatchedTokens,
      };
    },
  };
}

/**
 * The known-architecture family: the physics profile of a catalog model on catalog hardware, its
 * structure kept (MoE experts touched, KV growth, attention FLOPs, tensor-parallel communication) and
 * only its efficiencies and overheads fitted.
 */
export function physicsFamily(hardware: string, model: string, gpus: number, scale: MeasuredScale, base: Record<string, unknown>, localOverhead_ms: number, fitsFrontEnd: boolean): Family {
  const knobs: Knob[] = [
    { name: 'mfu', lo: 0.005, hi: 1, start: 0.4 },
    { name: 'mbu', lo: 0.02, hi: 1, start: 0.7 },
    { name: 'step_overhead_us', lo: 1, hi: 1000 * scale.minTpot_ms, start: 200 },
    { name: 'layer_overhead_us', lo: 0.1, hi: Math.max(1, 10 * scale.minTpot_ms), start: 10 },
  ];
  if (fitsFrontEnd) knobs.push({ name: 'front_end_ms', lo: 0.01, hi: Math.max(0.02, scale.minTtft_ms - localOverhead_ms), start: 0.3 * scale.lightPrefill_ms });
  return {
    name: 'physics',
    summary: `physics of ${model} on ${gpus}× ${hardware}: roofline per operator with the catalog's FLOPs and bytes; efficiencies and overheads fitted`,
    knobs,
    alternativeStarts: [
      { mfu: 0.1, mbu: 0.4 },
      { mfu: 0.7, mbu: 0.9, ...(fitsFrontEnd ? { front_end_ms: 0.05 * scale.lightPrefill_ms } : {}) },
    ],
    profileInput(values, limits, jitter) {
      const { model: servedModel, output_tokens, description } = base as { model: string; output_tokens: unknown; description: string };
      return {
        kind: 'physics',
        description,
        model,
        served_model_name: servedModel,
        hardware,
        gpus,
        output_tokens,
        mfu: values.mfu,
        mbu: values.mbu,
        step_overhead_us: values.step_overhead_us,
        layer_overhead_us: values.layer_overhead_us,
        api_overhead_ms: localOverhead_ms + (values.front_end_ms ?? 0),
        ...jitterKnobs(jitter),
        ...AS_FITTED,
        max_num_seqs: limits.maxNumSeqs,
        max_num_batched_tokens: limits.maxNumBatchedTokens,
      };
    },
  };
}
