import { z } from 'zod';
import { distributionSchema, sampleCount } from '../../common/distributions';
import type { Rng } from '../../common/random';
import { TOKENIZER_NAMES } from '../../common/text/tokenizer';

/** Deliberate faults, so users can test their clients' retries and timeouts. All off by default. */
/**
 * The step duration (ms) at which a profile's jitter_sigma was measured: a longer step averages its noise,
 * σ·√(reference / step) (stepJitterSigma; calibrate sets the lightest load's TPOT). Unset: every step gets jitter_sigma.
 */
export const jitterReferenceSchema = z.number().positive().max(60_000).optional();

export const faultsSchema = z.object({
  /** Probability of answering with each status instead of generating. */
  error_rate: z.partialRecord(z.enum(['429', '500', '503']), z.number().min(0).max(1)).default({}),
  /** Probability that a stream is cut mid-way (socket destroyed without [DONE]). */
  disconnect_rate: z.number().min(0).max(1).default(0),
  /** Probability that a stream stalls for `stall_ms` mid-way. */
  stall_rate: z.number().min(0).max(1).default(0),
  stall_ms: z.number().nonnegative().default(5000),
  /** Delay before the response headers are sent. */
  slow_first_byte_ms: z.number().nonnegative().default(0),
  retry_after_s: z.number().nonnegative().default(1),
});
export type FaultConfig = z.infer<typeof faultsSchema>;

export const reasoningSchema = z.object({
  /** Hidden reasoning tokens at `medium` effort; `low` ×0.25, `high` ×4 (see REASONING_EFFORT_SCALE). */
  tokens: distributionSchema.default({ dist: 'lognormal', median: 600, sigma: 0.7 }),
  /** Stream reasoning as `delta.reasoning_content` (DeepSeek/vLLM convention) instead of hiding it. */
  stream_reasoning: z.boolean().default(false),
  default_effort: z.enum(['minimal', 'low', 'medium', 'high']).default('medium'),
});
export type ReasoningConfig = z.infer<typeof reasoningSchema>;

export const REASONING_EFFORT_SCALE = { minimal: 0.05, low: 0.25, medium: 1, high: 4 } as const;
export type ReasoningEffort = keyof typeof REASONING_EFFORT_SCALE;

/** Hidden reasoning tokens for one request: a draw from the profile's distribution scaled by effort, at least 1. */
export function drawReasoningTokens(reasoning: ReasoningConfig, effort: ReasoningEffort | undefined, rng: Rng): number {
  const drawn = sampleCount(reasoning.tokens, rng, 1) * REASONING_EFFORT_SCALE[effort ?? reasoning.default_effort];
  return Math.max(1, Math.round(drawn));
}

/** Fields every profile kind shares: what is served, how text is counted, how long answers run. */
/**
 * How a load balancer picks a replica: in turn; the one with the fewest requests outstanding (Envoy's
 * least-request, llm-d's load scorer); or the one whose prefix cache holds the longest prefix of the
 * prompt, the least loaded among equals (llm-d's prefix-cache-aware scorer, SGLang's cache-aware router).
 */
export const ROUTER_POLICIES = ['round-robin', 'least-loaded', 'prefix-aware'] as const;
export type RouterPolicy = (typeof ROUTER_POLICIES)[number];

export interface FleetConfig {
  replicas: number;
  router: RouterPolicy;
  prefill_replicas?: number;
  decode_replicas?: number;
  kv_link_gbps?: number;
  kv_link_latency_us?: number;
}

/** What is inconsistent in a fleet, in words naming the flags; undefined when it is fine. */
export function fleetProblem(fleet: FleetConfig): string | undefined {
  const disaggregated = fleet.prefill_replicas !== undefined || fleet.decode_replicas !== undefined;
  if (disaggregated && (fleet.prefill_replicas === undefined || fleet.decode_replicas === undefined)) return 'disaggregation needs both prefill_replicas and decode_replicas (--prefill-replicas P --decode-replicas D)';
  if (disaggregated && fleet.replicas > 1) return 'replicas (--replicas) are colocated; a disaggregated fleet is sized by prefill_replicas and decode_replicas alone';
  if (!disaggregated && (fleet.kv_link_gbps !== undefined || fleet.kv_link_latency_us !== undefined)) return 'kv_link_gbps and kv_link_latency_us (--kv-link-gbps, --kv-link-latency-us) need a disaggregated fleet (--prefill-replicas P --decode-replicas D)';
  return undefined;
}

export const profileCommonShape = {
  name: z.string().optional(),
  description: z.string().optional(),
  /** The model id clients send and `/v1/models` lists. */
  model: z.string().min(1),
  tokenizer: z.enum(TOKENIZER_NAMES).default('o200k_base'),
  context_length: z.number().int().positive().default(131072),
  /** Natural answer length when the request sets no `max_tokens` (and without `ignore_eos`). */
  output_tokens: distributionSchema.default({ dist: 'lognormal', median: 180, sigma: 0.8 }),
  reasoning: reasoningSchema.optional(),
  faults: faultsSchema.default(faultsSchema.parse({})),
  /** Requests allowed to wait for a seat before new ones get 429 + Retry-After. */
  max_waiting: z.number().int().positive().default(100000),
  seed: z.number().int().optional(),
  /** LoRA adapters served as extra model ids by this model's engine (vLLM's --lora-modules). */
  lora: z.array(z.string().min(1)).default([]),
  /**
   * What a batch engine's step costs more when any of its sequences runs an adapter (the extra
   * low-rank matmuls, e.g. Punica's SGMV kernels); 0 unless measured, as no one figure fits all ranks.
   */
  lora_step_overhead_us: z.number().nonnegative().default(0),
  /**
   * Automatic prefix caching (on by default in vLLM v1 and SGLang): prompts that share full KV blocks
   * with an earlier one skip their prefill. `--no-prefix-caching` turns it off.
   */
  prefix_caching: z.boolean().default(true),
  /**
   * Data-parallel replicas, each a full engine on its own copy of the hardware, behind a router
   * (`--replicas N --router POLICY`). One replica by default.
   */
  fleet: z
    .strictObject({
      replicas: z.number().int().min(1).max(1024).default(1),
      router: z.enum(ROUTER_POLICIES).default('round-robin'),
      /**
       * Disaggregated prefill and decode (`--prefill-replicas P --decode-replicas D`): P replicas only
       * prefill, D only decode, the KV cache shipped between them over a link of `kv_link_gbps`
       * (default: the hardware's interconnect, every device sending its shard) with `kv_link_latency_us`
       * per transfer (default: the hardware's link latency). Physics profiles only (the KV size comes
       * from the model).
       */
      prefill_replicas: z.number().int().min(1).max(1024).optional(),
      decode_replicas: z.number().int().min(1).max(1024).optional(),
      kv_link_gbps: z.number().positive().max(1e6).optional(),
      kv_link_latency_us: z.number().nonnegative().max(1e6).optional(),
    })
    .superRefine((fleet, context) => {
      const problem = fleetProblem(fleet);
      if (problem) context.addIssue({ code: 'custom', message: problem });
    })
    .default({ replicas: 1, router: 'round-robin' }),
  /**
   * The modeled endpoint's prompt tokens per token of this profile's tokenizer (a calibrated twin of an
   * endpoint whose tokenizer splits text finer or coarser): a batch engine prefills and caches the prompt
   * at this many tokens per token counted, so the same text costs what it costs there; usage still reports
   * this profile's own count.
   */
  prompt_token_ratio: z.number().positive().max(100).default(1),
  /**
   * Added to the prompt after the ratio (engine tokens = ratio × tokens counted + offset, at least one):
   * the endpoint's chat template is longer or shorter than this profile's (a llama.cpp engine counted
   * 4.875 per token of text plus 18 of its own template, where tokenbench's template counts 7).
   */
  prompt_token_offset: z.number().min(-100_000).max(100_000).default(0),
};

/** Whether a prompt and its asked output overflow the context window (vLLM's and OpenAI's 400 `context_length_exceeded`). */
export function exceedsContextLength(contextLength: number, promptTokens: number, maxTokens?: number): boolean {
  const room = contextLength - promptTokens;
  return room <= 0 || (maxTokens !== undefined && maxTokens > room);
}
