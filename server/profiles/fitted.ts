import { z } from 'zod';
import { profileCommonShape } from './common';
import type { StepShape } from './step-cost';

/**
 * A profile fitted by `tokenbench calibrate` to measurements of a real endpoint: the engine keeps its
 * continuous batching and paged KV cache, but each step's duration is a linear model of the step's
 * contents (the regression form Vidur and BLIS fit to profiled kernels), not a roofline.
 */
export const fittedProfileSchema = z.object({
  ...profileCommonShape,
  kind: z.literal('fitted'),
  step_ms: z.object({
    /** Fixed cost of any step (launches, scheduling, the weight read of a memory-bound decode). */
    base: z.number().nonnegative(),
    /** Per sequence in the step (decode or prefill). */
    per_sequence: z.number().nonnegative(),
    /** Per prompt token prefilled in the step. */
    per_prefill_token: z.number().nonnegative(),
    /** Per 1,000 tokens of context attended to by decoding sequences (KV reads). */
    per_context_kilotoken: z.number().nonnegative().default(0),
  }),
  jitter_sigma: z.number().nonnegative().default(0),
  api_overhead_ms: z.number().nonnegative().default(0),
  max_num_seqs: z.number().int().positive().default(256),
  max_num_batched_tokens: z.number().int().positive().default(8192),
  kv_capacity_tokens: z.number().int().positive().default(1_000_000),
  block_size: z.number().int().positive().default(16),
  /** How the fit went (written by calibrate; informational). */
  fit: z.record(z.string(), z.unknown()).optional(),
});
export type FittedProfile = z.infer<typeof fittedProfileSchema>;

// Linear step-time model, step = β0 + β1·sequences + β2·prefill tokens + β3·context (Vidur, MLSys'24; BLIS's β coefficients).
export function fittedStepSeconds(step: FittedProfile['step_ms'], shape: StepShape): number {
  const sequences = shape.decodeSeqs + shape.prefillSeqs;
  if (sequences === 0) return 0;
  const step_ms = step.base + step.per_sequence * sequences + step.per_prefill_token * shape.prefillTokens + (step.per_context_kilotoken * shape.decodeContextSum) / 1000;
  return step_ms / 1000;
}
