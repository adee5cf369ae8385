import { PRECISION_BYTES, type HardwareSpec, type KvPrecision, type ModelSpec, type WeightPrecision } from './catalog';

/** Speculative decoding (a draft model) or multi-token prediction (the model's own extra heads). */
export interface SpeculationSetup {
  method: 'draft' | 'mtp';
  /** Tokens drafted per step (γ). */
  gamma: number;
  /** Probability each drafted token is accepted (α). */
  acceptance: number;
  /** One draft step's time as a fraction of one target step (Leviathan et al.'s c). */
  draftCost: number;
}

/** Everything the step cost needs: hardware × model × serving, resolved from a profile. */
export interface PhysicsSetup {
  hardwareId: string;
  hardware: HardwareSpec;
  devices: number;
  modelId: string;
  model: ModelSpec;
  weights: WeightPrecision;
  kv: KvPrecision;
  mfu: number;
  mbu: number;
  layerOverhead_us: number;
  moeLayerOverhead_us: number;
  stepOverhead_us: number;
  requestOverhead_us: number;
  linkLatency_us: number;
  jitterSigma: number;
  gpuMemoryUtilization: number;
  blockSize: number;
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  /** Fixed front-end latency before the engine sees a request (network, gateway); 0 for a local server. */
  apiOverhead_ms: number;
  speculation?: SpeculationSetup;
}

/** What one engine iteration runs: decoding sequences plus chunks of prefill. */
export interface StepShape {
  decodeSeqs: number;
  /** Σ context length (tokens already in the KV cache) over decoding sequences. */
  decodeContextSum: number;
  /** Tokens each decoding sequence runs through the target model this step (γ+1 when verifying a draft). */
  tokensPerDecodeSeq: number;
  prefillTokens: number;
  /** Σ over prefill tokens of the context each attends to (causal). */
  prefillAttentionSum: number;
  /** Σ over prefilling sequences of the context already cached before their chunk (read once). */
  prefillCachedContextSum: number;
  prefillSeqs: number;
}

export interface StepCost {
  flops: number;
  bytes: number;
  /** All FLOPs at the sustained rate, and all bytes at the sustained bandwidth (the step's totals). */
  compute_s: number;
  memory_s: number;
  phases: PhaseSeconds;
  comm_s: number;
  overhead_s: number;
  draft_s: number;
  step_s: number;
}

export const weightBytes = (model: ModelSpec, weights: WeightPrecision): number => model.params_B * 1e9 * PRECISION_BYTES[weights];

/** Active parameters per token: all non-expert weights plus top_k experts (equals params_B for dense models). */
export function activeParams(model: ModelSpec): number {
  if (!model.moe) return model.params_B * 1e9;
  const shared = (model.params_B - model.moe.expert_params_B) * 1e9;
  return shared + (model.moe.top_k / model.moe.experts) * model.moe.expert_params_B * 1e9;
}

// K and V per layer per KV head (GQA: Ainslie et al. 2023); MLA caches one latent + RoPE key per layer (DeepSeek-V2 §2.1.3).
export function kvBytesPerToken(model: ModelSpec, kv: KvPrecision): number {
  const bytes = PRECISION_BYTES[kv];
  if (model.mla) return model.layers * (model.mla.kv_lora_rank + model.mla.rope_dim) * bytes;
  return 2 * model.layers * model.kv_heads * model.head_dim * bytes;
}

// Expected distinct experts hit by T tokens each routed to k of E uniformly: E·(1−(1−k/E)^T) (occupancy; docs/DESIGN.md §2).
export function distinctExpertsTouched(experts: number, topK: number, tokens: number): number {
  if (tokens <= 0) return 0;
  return experts * (1 - Math.pow(1 - topK / experts, tokens));
}

// Expected tokens per target step with draft length γ and acceptance α: (1−α^(γ+1))/(1−α) (Leviathan et al. 2023, eq. 1).
export function specDecodeExpectedTokens(gamma: number, acceptance: number): number {
  if (acceptance >= 1) return gamma + 1;
  return (1 - Math.pow(acceptance, gamma + 1)) / (1 - acceptance);
}

/** The dtype the matmuls run in: W8A8/FP8/FP4 where the hardware has it, otherwise weight-only quantisation in 16 bits. */
export function computeDtype(hardware: HardwareSpec, weights: WeightPrecision): keyof HardwareSpec['peak_tflops'] {
  const peaks = hardware.peak_tflops;
  if (weights === 'fp4' && peaks.fp4) return 'fp4';
  if ((weights === 'fp8' || weights === 'fp4') && peaks.fp8) return 'fp8';
  if (weights === 'int8' && peaks.int8) return 'int8';
  return peaks.bf16 ? 'bf16' : peaks.fp16 ? 'fp16' : 'fp32';
}

export function peakFlopsPerDevice(setup: PhysicsSetup): number {
  const dtype = computeDtype(setup.hardware, setup.weights);
  return (setup.hardware.peak_tflops[dtype] ?? 0) * 1e12;
}

/** Per-token attention width: heads·head_dim; MLA attends in the latent space, heads·(rank+rope) (DeepSeek-V2 §2.1.2, absorbed). */
function attentionWidth(model: ModelSpec): number {
  return model.mla ? model.heads * (model.mla.kv_lora_rank + model.mla.rope_dim) : model.heads * model.head_dim;
}

// QKᵀ and A·V are 2 FLOPs per multiply-add each: 4·layers·heads·head_dim per (token, context position) (Kaplan et al. 2020, Table 1).
export function attentionFlops(model: ModelSpec, contextSum: number): number {
  return 4 * model.layers * attentionWidth(model) * contextSum;
}

/** Weight bytes one step reads: everything shared, plus only the distinct experts the step's tokens touch. */
export function weightBytesRead(setup: PhysicsSetup, tokens: number): number {
  const { model } = setup;
  const bytesPerWeight = PRECISION_BYTES[setup.weights];
  if (!model.moe) return model.params_B * 1e9 * bytesPerWeight;
  const sharedBytes = (model.params_B - model.moe.expert_params_B) * 1e9 * bytesPerWeight;
  const bytesPerExpert = (model.moe.expert_params_B * 1e9 * bytesPerWeight) / model.moe.experts;
  return sharedBytes + bytesPerExpert * distinctExpertsTouched(model.moe.experts, model.moe.top_k, tokens);
}

// Ring all-reduce moves 2(N−1)/N of the buffer per device (Patarasuk & Yuan 2009); Megatron TP needs two per layer (Shoeybi et al. 2019).
export function tensorParallelCommSeconds(setup: PhysicsSetup, tokens: number): number {
  const tp = setup.devices;
  if (tp <= 1 || setup.hardware.interconnect_GBps <= 0) return 0;
  const activationBytes = 2; // activations travel in 16 bits
  const perCallBytes = ((2 * (tp - 1)) / tp) * setup.model.hidden * tokens * activationBytes;
  const perCall_s = perCallBytes / (setup.hardware.interconnect_GBps * 1e9) + setup.linkLatency_us * 1e-6;
  return 2 * setup.model.layers * perCall_s;
}

/** The step's time by phase (each bound by its own roofline), before communication and fixed overheads. */
export interface PhaseSeconds {
  /** The linear layers: one GEMM over every token of the step, reading the weights once. */
  linear_s: number;
  /** Prefill attention: compute over each prompt token's causal context, reading the cached prefix's KV. */
  prefillAttention_s: number;
  /** Decode attention: reading each decoding sequence's KV cache. */
  decodeAttention_s: number;
}

/** Weights the LM head multiplies per sampled position: vocab · hidden (Kaplan et al. 2020 exclude it from N's 2N). */
const lmHeadParams = (model: ModelSpec): number => model.vocab * model.hidden;

// Non-embedding matmul parameters per token: the input embedding is a lookup, the LM head runs once per sampled position.
export function bodyParams(model: ModelSpec): number {
  return activeParams(model) - (model.tied_embeddings ? 1 : 2) * lmHeadParams(model);
}

/**
 * The target model's own pass over a step, phase by phase as Vidur times it per operator (Agrawal et
 * al., MLSys'24): the linear layers are one GEMM over all tokens, prefill attention is compute-bound,
 * decode attention reads the KV cache; each phase takes its own roofline max, and the phases add up.
 * Its draft_s is 0: stepCost adds the drafting to the same object (a fit calls this millions of times).
 */
function targetCost(setup: PhysicsSetup, shape: StepShape): StepCost {
  const { model } = setup;
  const decodeTokens = shape.decodeSeqs * shape.tokensPerDecodeSeq;
  const tokens = decodeTokens + shape.prefillTokens;
  const flopsPerSecond = setup.devices * peakFlopsPerDevice(setup) * setup.mfu;
  const bytesPerSecond = setup.devices * setup.hardware.mem_bw_GBps * 1e9 * setup.mbu;
  const kvPerToken = kvBytesPerToken(model, setup.kv);
  // Matmuls are 2 FLOPs per weight per token (Kaplan et al. 2020); logits only where a token is sampled:
  // every decode token, and the last position of each prefill chunk (vLLM's logits_indices).
  const sampledPositions = decodeTokens + shape.prefillSeqs;
  const linearFlops = tokens > 0 ? 2 * bodyParams(model) * tokens + 2 * lmHeadParams(model) * sampledPositions : 0;
  // The weights are read once per step, each new token's KV written (PagedAttention, Kwon et al. 2023).
  const linearBytes = tokens > 0 ? weightBytesRead(setup, tokens) + kvPerToken * tokens : 0;
  const prefillAttentionFlops = attentionFlops(model, shape.prefillAttentionSum);
  const prefillAttentionBytes = kvPerToken * shape.prefillCachedContextSum;
  const decodeAttentionFlops = attentionFlops(model, shape.decodeContextSum * shape.tokensPerDecodeSeq);
  const decodeAttentionBytes = kvPerToken * shape.decodeContextSum;
  // Each phase is bound by the slower of its compute and its memory traffic (roofline, Williams et al. 2009).
  const roofline = (flops: number, bytes: number) => Math.max(flops / flopsPerSecond, bytes / bytesPerSecond);
  const phases: PhaseSeconds = {
    linear_s: roofline(linearFlops, linearBytes),
    prefillAttention_s: roofline(prefillAttentionFlops, prefillAttentionBytes),
    decodeAttention_s: roofline(decodeAttentionFlops, decodeAttentionBytes),
  };
  const flops = linearFlops + prefillAttentionFlops + decodeAttentionFlops;
  const bytes = linearBytes + prefillAttentionBytes + decodeAttentionBytes;
  const comm_s = tensorParallelCommSeconds(setup, tokens);
  // Fixed costs (kernel launches, scheduling) per layer, per step and per sequence (BLIS fit, docs/DESIGN.md §6).
  const sequences = shape.decodeSeqs + shape.prefillSeqs;
  const perLayer_us = setup.layerOverhead_us + (model.moe ? setup.moeLayerOverhead_us : 0);
  const overhead_s = tokens > 0 ? (model.layers * perLayer_us + setup.stepOverhead_us + sequences * setup.requestOverhead_us) * 1e-6 : 0;
  const phases_s = phases.linear_s + phases.prefillAttention_s + phases.decodeAttention_s;
  return { flops, bytes, compute_s: flops / flopsPerSecond, memory_s: bytes / bytesPerSecond, phases, comm_s, overhead_s, draft_s: 0, step_s: phases_s + comm_s + overhead_s };
}

/**
 * One iteration's duration: the phases' rooflines summed + communication + fixed overheads
 * (docs/DESIGN.md §2), plus drafting when speculation is on.
 */
export function stepCost(setup: PhysicsSetup, shape: StepShape): StepCost {
  const cost = targetCost(setup, shape);
  // Drafting γ tokens costs γ·c target steps, the unit being a plain one-token decode of the same sequences (Leviathan et al. 2023, §3.5).
  const speculation = setup.speculation;
  if (speculation && shape.decodeSeqs > 0) {
    cost.draft_s = speculation.gamma * speculation.draftCost * targetCost(setup, { ...shape, tokensPerDecodeSeq: 1, prefillTokens: 0, prefillAttentionSum: 0, prefillCachedContextSum: 0, prefillSeqs: 0 }).step_s;
    cost.step_s += cost.draft_s;
  }
  return cost;
}

/** Tokens of KV cache that fit: (memory · utilisation − weights) / KV bytes per token (PagedAttention, Kwon et al. 2023). */
export function kvCapacityTokens(setup: PhysicsSetup): number {
  const usable = setup.devices * setup.hardware.memory_GB * 1e9 * setup.gpuMemoryUtilization;
  return Math.max(0, (usable - weightBytes(setup.model, setup.weights)) / kvBytesPerToken(setup.model, setup.kv));
}

/** The shape of a step in which `decodeSeqs` sequences each decode at context `context` (no prefill). */
export function decodeShape(setup: { speculation?: { gamma: number } }, decodeSeqs: number, context: number): StepShape {
  return {
    decodeSeqs,
    decodeContextSum: decodeSeqs * context,
    tokensPerDecodeSeq: setup.speculation ? setup.speculation.gamma + 1 : 1,
    prefillTokens: 0,
    prefillAttentionSum: 0,
    prefillCachedContextSum: 0,
    prefillSeqs: 0,
  };
}

// Token i of a prefill chunk attends to cached + i + 1 positions: Σ = tokens·cached + tokens(tokens+1)/2 (causal mask).
export function prefillAttentionSum(tokens: number, cached: number): number {
  return tokens * cached + (tokens * (tokens + 1)) / 2;
}

/** The shape of a step that prefills `tokens` prompt tokens after `cached` already in the cache. */
export function prefillShape(tokens: number, cached: number): StepShape {
  return {
    decodeSeqs: 0,
    decodeContextSum: 0,
    tokensPerDecodeSeq: 1,
    prefillTokens: tokens,
    prefillAttentionSum: prefillAttentionSum(tokens, cached),
    prefillCachedContextSum: cached,
    prefillSeqs: 1,
  };
}
