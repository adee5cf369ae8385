import { z } from 'zod';
import { jitterReferenceSchema, profileCommonShape } from './common';
import type { StepShape } from './step-cost';

/**
 * A profile fitted by `tokenbench calibrate` to measurements of a real endpoint: the engine keeps its
 * continuous batching and paged KV cache; each step's duration is an effective roofline whose
 * coefficients were fitted (effective bandwidth as a memory floor, effective compute as time per token,
 * fixed per-step and per-sequence overheads) rather than derived from a hardware catalog.
 */
export const fittedProfileSchema = z.object({
  ...profileCommonShape,
  kind: z.literal('fitted'),
  step_ms: z.object({
    /** Fixed cost of any step (kernel launches, scheduling, communication). */
    fixed: z.number().nonnegative(),
    /** Per sequence in the step (sampling, bookkeeping). */
    per_sequence: z.number().nonnegative(),
    /** The weight read every step pays: memory-bound time at effective bandwidth. */
    memory_floor: z.number().nonnegative(),
    /** Compute-bound time per token processed (prefill and decode), at effective FLOP/s. */
    compute_per_token: z.number().nonnegative(),
    /** Memory time per 1,000 tokens of context read by decoding sequences (KV cache reads). */
    per_context_kilotoken: z.number().nonnegative().default(0),
    /**
     * Extra weight reads as the step's tokens grow, saturating: a mixture-of-experts step reads the experts
     * its tokens touch, which approaches all of them (batch_memory) at a scale of batch_memory_scale tokens.
     */
    batch_memory: z.number().nonnegative().default(0),
    batch_memory_scale: z.number().positive().default(1),
    /** Compute time per million (prefill token × context it attends to) pairs: causal attention's quadratic term. */
    prefill_attention_per_mpair: z.number().nonnegative().default(0),
    /**
     * Compute time per million (token run this step × token held in the KV cache by the whole batch)
     * pairs: attention over one unified cache with a mask, as llama.cpp computes it, where every token
     * of a step scans every sequence's cells; 0 for paged per-sequence attention (vLLM).
     */
    cache_attention_per_mpair: z.number().nonnegative().default(0),
  }),
  jitter_sigma: z.number().nonnegative().default(0),
  jitter_reference_ms: jitterReferenceSchema,
  api_overhead_ms: z.number().nonnegative().default(0),
  max_num_seqs: z.number().int().positive().default(256),
  max_num_batched_tokens: z.number().int().positive().default(8192),
  kv_capacity_tokens: z.number().int().positive().default(1_000_000),
  block_size: z.number().int().positive().default(16),
  /** How the fit went (written by calibrate; informational). */
  fit: z.record(z.string(), z.unknown()).optional(),
});
export type FittedProfile = z.infer<typeof fittedProfileSchema>;

/** Expected share of a MoE layer's experts beyond the first token's that T tokens touch: 1 − (1 − k/E)^(T−1) ≈ 1 − e^(−(T−1)/scale) (distinct-experts expectation, docs/DESIGN.md §2's MoE term). */
export function saturatingBatchShare(tokens: number, scale: number): number {
  return tokens <= 1 ? 0 : 1 - Math.exp(-(tokens - 1) / scale);
}

// Effective roofline, step = fixed + per_seq·n + max(memory floor + experts(n) + KV·context, compute·tokens + attention·pairs + cache scan·tokens·cache) (Williams et al. 2009; coefficients fitted as in Vidur, MLSys'24).
export function fittedStepSeconds(step: FittedProfile['step_ms'], shape: StepShape): number {
  const sequences = shape.decodeSeqs + shape.prefillSeqs;
  if (sequences === 0) return 0;
  const tokens = shape.decodeSeqs * shape.tokensPerDecodeSeq + shape.prefillTokens;
  const memory_ms = step.memory_floor + step.batch_memory * saturatingBatchShare(tokens, step.batch_memory_scale) + (step.per_context_kilotoken * shape.decodeContextSum) / 1000;
  const cacheHeld = shape.decodeContextSum + shape.prefillCachedContextSum + shape.prefillTokens;
  const compute_ms = step.compute_per_token * tokens + (step.prefill_attention_per_mpair * shape.prefillAttentionSum + step.cache_attention_per_mpair * tokens * cacheHeld) / 1e6;
  return (step.fixed + step.per_sequence * sequences + Math.max(memory_ms, compute_ms)) / 1000;
}
