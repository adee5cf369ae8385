import { fittedStepSeconds, type FittedProfile } from './fitted';
import type { PhysicsProfile } from './physics';
import { kvCapacityTokens, stepCost, type StepShape } from './step-cost';

/** What the scheduler needs from a profile: how long a step takes, and the serving limits. */
export interface BatchEngineConfig {
  /** Duration of one iteration of the given shape, before jitter. */
  stepSeconds(shape: StepShape): number;
  kvCapacityTokens: number;
  blockSize: number;
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  /** Lognormal σ of step-time noise (0: deterministic). */
  jitterSigma: number;
  /** The step duration at which `jitterSigma` holds; longer steps average their noise (see stepJitterSigma). Unset: every step gets σ. */
  jitterReference_ms?: number;
  /** Speculative decoding: γ drafted tokens, each accepted with probability α. */
  speculation?: { gamma: number; acceptance: number };
  /** Fixed front-end latency before a request reaches the scheduler. */
  apiOverhead_ms: number;
  /** Added to a step in which any sequence runs a LoRA adapter. */
  loraStepOverhead_s: number;
  /** Engine tokens per prompt token counted (the profile's prompt_token_ratio). */
  promptTokenRatio: number;
  /** Engine tokens added after the ratio (the profile's prompt_token_offset). */
  promptTokenOffset: number;
  /** Share KV blocks between prompts with a common prefix (vLLM's automatic prefix caching). */
  prefixCaching: boolean;
}

/** The batch scheduler's view of a physics or fitted profile. */
export function engineConfigOf(profile: PhysicsProfile | FittedProfile): BatchEngineConfig {
  if (profile.kind === 'fitted') {
    return {
      stepSeconds: (shape) => fittedStepSeconds(profile.step_ms, shape),
      kvCapacityTokens: profile.kv_capacity_tokens,
      blockSize: profile.block_size,
      maxNumSeqs: profile.max_num_seqs,
      maxNumBatchedTokens: profile.max_num_batched_tokens,
      jitterSigma: profile.jitter_sigma,
      jitterReference_ms: profile.jitter_reference_ms,
      apiOverhead_ms: profile.api_overhead_ms,
      loraStepOverhead_s: profile.lora_step_overhead_us * 1e-6,
      promptTokenRatio: profile.prompt_token_ratio,
      promptTokenOffset: profile.prompt_token_offset,
      prefixCaching: profile.prefix_caching,
    };
  }
  const setup = profile.physics;
  return {
    stepSeconds: (shape) => stepCost(setup, shape).step_s,
    kvCapacityTokens: kvCapacityTokens(setup),
    blockSize: setup.blockSize,
    maxNumSeqs: setup.maxNumSeqs,
    maxNumBatchedTokens: setup.maxNumBatchedTokens,
    jitterSigma: setup.jitterSigma,
    jitterReference_ms: profile.jitter_reference_ms,
    speculation: setup.speculation,
    apiOverhead_ms: setup.apiOverhead_ms,
    loraStepOverhead_s: profile.lora_step_overhead_us * 1e-6,
    promptTokenRatio: profile.prompt_token_ratio,
    promptTokenOffset: profile.prompt_token_offset,
    prefixCaching: profile.prefix_caching,
  };
}

/** A prompt of `countedTokens` (the served model's count) in the modeled engine's tokens: the profile's ratio and offset applied. */
export function enginePromptTokens(config: Pick<BatchEngineConfig, 'promptTokenRatio' | 'promptTokenOffset'>, countedTokens: number): number {
  return Math.max(1, Math.round(countedTokens * config.promptTokenRatio + config.promptTokenOffset));
}

/**
 * The lognormal σ of one step's noise. Without a reference every step gets σ. With one, σ is the noise of
 * a step that long, and a longer step is the sum of independent parts of that length, whose relative
 * spread shrinks as √(reference / step): a 140 ms prefill on a CPU engine whose 6 ms decode steps spread
 * by σ 0.2 spread by 4%, as measured, not 20%.
 */
// Relative spread of a sum of n independent equal parts: σ/√n (Bienaymé's identity, variances add).
export function stepJitterSigma(sigma: number, step_ms: number, reference_ms?: number): number {
  if (!reference_ms || !(step_ms > reference_ms)) return sigma;
  return sigma * Math.sqrt(reference_ms / step_ms);
}
