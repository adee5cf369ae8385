import { distributionMean } from '../../common/distributions';
import { REASONING_EFFORT_SCALE, type ReasoningEffort } from './common';
import type { Profile } from './registry';
import { engineConfigOf } from './engine-config';
import { decodeShape, prefillAttentionSum, specDecodeExpectedTokens, type StepShape } from './step-cost';

export interface PredictInput {
  batch: number;
  promptTokens: number;
  outputTokens: number;
  reasoningEffort?: ReasoningEffort;
}

export interface Prediction {
  profile: string;
  kind: string;
  batch: number;
  prompt_tokens: number;
  output_tokens: number;
  /** Hidden reasoning tokens decoded before the visible answer (expected value). */
  reasoning_tokens: number;
  prefill_ms: number;
  /** Time to the first *visible* token: front-end overhead + prefill + reasoning. */
  ttft_ms: number;
  tpot_ms: number;
  e2el_ms: number;
  /** One user's decode speed. */
  decode_tokens_per_s: number;
  /** All `batch` users together. */
  aggregate_tokens_per_s: number;
  /** Expected tokens per engine step (above 1 under speculative decoding). */
  tokens_per_step: number;
  /** What the steady batch assumes that the engine would not do (more sequences than seats, KV beyond capacity). */
  warnings: string[];
}

/**
 * The analytic answer for one request in a steady batch: its prefill runs in chunks alongside the
 * other `batch − 1` sequences' decodes, then every step decodes the whole batch at the mean context.
 * The engine's simulation converges to this when load is steady.
 */
export function predict(profile: Profile, input: PredictInput): Prediction {
  const { batch, promptTokens, outputTokens } = input;
  const reasoning = profile.reasoning;
  const effort = input.reasoningEffort ?? reasoning?.default_effort ?? 'medium';
  const reasoningTokens = reasoning ? Math.round(distributionMean(reasoning.tokens) * REASONING_EFFORT_SCALE[effort]) : 0;
  const decodedTokens = reasoningTokens + outputTokens;
  let prefill_ms: number;
  let tpot_ms: number;
  let tokensPerStep = 1;
  let overhead_ms = 0;
  const warnings: string[] = [];
  if (profile.kind === 'empirical') {
    prefill_ms = distributionMean(profile.ttft_ms);
    tpot_ms = distributionMean(profile.itl_ms);
  } else {
    const setup = engineConfigOf(profile);
    overhead_ms = setup.apiOverhead_ms;
    // The formula holds any batch; the engine does not: say where the answer stops describing it.
    if (batch > setup.maxNumSeqs) warnings.push(`batch ${batch} is more than the profile's ${setup.maxNumSeqs} seats (max_num_seqs): the engine never decodes more at once; the rest would wait`);
    const kvTokens = batch * (promptTokens + decodedTokens);
    if (kvTokens > setup.kvCapacityTokens) {
      warnings.push(`batch ${batch} × ${promptTokens + decodedTokens} tokens needs ${kvTokens} tokens of KV cache, more than the profile's ${Math.floor(setup.kvCapacityTokens)}: the engine would preempt or queue`);
    }
    const others = Math.max(0, batch - 1);
    const meanContext = promptTokens + decodedTokens / 2;
    prefill_ms = 0;
    for (let cached = 0; cached < promptTokens; cached += setup.maxNumBatchedTokens) {
      const chunk = Math.min(setup.maxNumBatchedTokens, promptTokens - cached);
      const shape: StepShape = {
        ...decodeShape(setup, others, meanContext),
        prefillTokens: chunk,
        prefillAttentionSum: prefillAttentionSum(chunk, cached),
        prefillCachedContextSum: cached,
        prefillSeqs: 1,
      };
      prefill_ms += setup.stepSeconds(shape) * 1000;
    }
    tokensPerStep = setup.speculation ? specDecodeExpectedTokens(setup.speculation.gamma, setup.speculation.acceptance) : 1;
    tpot_ms = (setup.stepSeconds(decodeShape(setup, batch, meanContext)) * 1000) / tokensPerStep;
  }
  const ttft_ms = overhead_ms + prefill_ms + reasoningTokens * tpot_ms;
  return {
    profile: profile.name,
    kind: profile.kind,
    batch,
    prompt_tokens: promptTokens,
    output_tokens: outputTokens,
    reasoning_tokens: reasoningTokens,
    prefill_ms,
    ttft_ms,
    tpot_ms,
    e2el_ms: ttft_ms + Math.max(0, outputTokens - 1) * tpot_ms,
    decode_tokens_per_s: 1000 / tpot_ms,
    aggregate_tokens_per_s: (1000 / tpot_ms) * batch,
    tokens_per_step: tokensPerStep,
    warnings,
  };
}
