import { z } from 'zod';
import { findHardware, findModel, hardwareSpecSchema, KV_PRECISIONS, modelSpecSchema, WEIGHT_PRECISIONS, type HardwareSpec, type ModelSpec } from './catalog';
import { jitterReferenceSchema, profileCommonShape, reasoningSchema } from './common';
import { activeParams, kvCapacityTokens, weightBytes, type PhysicsSetup, type SpeculationSetup } from './step-cost';

/**
 * `kind: physics` is the one physics kind: the architecture (dense or mixture of experts) comes from the
 * model catalog, the hardware class (gpu, lpu, device, ...) from the hardware catalog, and reasoning is
 * a feature block any profile may switch on. The older kinds, which said one of those three things
 * each, still load (and are checked against the catalogs) with a deprecation warning.
 */
export const DEPRECATED_PHYSICS_KINDS = ['dense', 'moe', 'lpu', 'device', 'reasoning'] as const;
type DeprecatedPhysicsKind = (typeof DEPRECATED_PHYSICS_KINDS)[number];

const specDecodeSchema = z.object({
  method: z.enum(['draft', 'mtp']).default('draft'),
  gamma: z.number().int().min(1).max(32),
  acceptance: z.number().min(0).max(1),
  /** The draft model (catalog id or inline); its cost ratio c is its active parameters over the target's. */
  draft_model: z.union([z.string(), modelSpecSchema]).optional(),
  /** c directly (draft step time / target step time); MTP heads default to one layer's worth. */
  draft_cost: z.number().nonnegative().optional(),
});

/**
 * A profile whose timing comes from the roofline step cost of docs/DESIGN.md §2: hardware × model × serving.
 * `hardware` and `model` are catalog ids or inline specs.
 */
export const physicsProfileSchema = z.object({
  ...profileCommonShape,
  kind: z.enum(['physics', ...DEPRECATED_PHYSICS_KINDS]),
  model: z.union([z.string().min(1), modelSpecSchema]),
  /** The id clients send (vLLM's --served-model-name); defaults to the catalog model id or the profile name. */
  served_model_name: z.string().min(1).optional(),
  context_length: z.number().int().positive().optional(),
  hardware: z.union([z.string().min(1), hardwareSpecSchema]),
  gpus: z.number().int().positive().default(1),
  weights: z.enum(WEIGHT_PRECISIONS).optional(),
  kv: z.enum(KV_PRECISIONS).default('bf16'),
  max_num_seqs: z.number().int().positive().default(256),
  block_size: z.number().int().positive().default(16),
  /** Chunked-prefill token budget per step (vLLM's max_num_batched_tokens). */
  max_num_batched_tokens: z.number().int().positive().default(8192),
  gpu_memory_utilization: z.number().gt(0).max(1).default(0.9),
  mfu: z.number().gt(0).max(1).optional(),
  mbu: z.number().gt(0).max(1).optional(),
  layer_overhead_us: z.number().nonnegative().optional(),
  moe_layer_overhead_us: z.number().nonnegative().optional(),
  step_overhead_us: z.number().nonnegative().optional(),
  request_overhead_us: z.number().nonnegative().default(4),
  link_latency_us: z.number().nonnegative().optional(),
  /** Per-device link bandwidth for tensor parallelism, when it is not the hardware's own (e.g. InfiniBand across nodes). */
  interconnect_GBps: z.number().nonnegative().optional(),
  jitter_sigma: z.number().nonnegative().optional(),
  jitter_reference_ms: jitterReferenceSchema,
  /** Extra step-time noise from uneven expert routing (GPUs only; the LPU's schedule is static). */
  moe_imbalance_sigma: z.number().nonnegative().default(0.1),
  api_overhead_ms: z.number().nonnegative().default(0),
  spec_decode: specDecodeSchema.optional(),
});
export type PhysicsProfileInput = z.infer<typeof physicsProfileSchema>;

/** A physics profile after its catalog ids are resolved: `model` is the served id, `physics` the setup. */
export type PhysicsProfile = Omit<PhysicsProfileInput, 'kind' | 'model' | 'context_length'> & {
  kind: 'physics';
  model: string;
  context_length: number;
  /** From the model catalog: whether a step reads every weight or only the experts its tokens touch. */
  architecture: 'dense' | 'moe';
  /** From the hardware catalog. */
  hardware_class: HardwareSpec['kind'];
  physics: PhysicsSetup;
};

const resolveSpec = <T>(value: string | T, find: (id: string) => T, inlineId: string): [string, T] =>
  typeof value === 'string' ? [value, find(value)] : [inlineId, value];

function speculationOf(input: PhysicsProfileInput, model: ModelSpec): SpeculationSetup | undefined {
  const spec = input.spec_decode;
  if (!spec) return undefined;
  let draftCost = spec.draft_cost;
  if (draftCost === undefined && spec.draft_model !== undefined) {
    const [, draft] = resolveSpec(spec.draft_model, findModel, 'inline');
    draftCost = activeParams(draft) / activeParams(model);
  }
  // MTP's extra heads are about one transformer layer each (DeepSeek-V3 §2.2).
  if (draftCost === undefined) draftCost = spec.method === 'mtp' ? 1 / model.layers : 0.05;
  return { method: spec.method, gamma: spec.gamma, acceptance: spec.acceptance, draftCost };
}

/** An old kind still says something checkable about the model or hardware: it must be true. */
function checkDeprecatedKind(kind: DeprecatedPhysicsKind, hardwareId: string, hardware: HardwareSpec, modelId: string, model: ModelSpec): void {
  const problem =
    kind === 'moe' && !model.moe ? `model "${modelId}" is dense, not a mixture of experts`
    : kind === 'dense' && model.moe ? `model "${modelId}" is a mixture of experts (use kind: physics)`
    : kind === 'lpu' && hardware.kind !== 'lpu' ? `hardware "${hardwareId}" is not an LPU`
    : kind === 'device' && hardware.kind !== 'device' && hardware.kind !== 'cpu' ? `hardware "${hardwareId}" is not an on-device chip`
    : undefined;
  if (problem) throw new Error(`kind ${kind}: ${problem}`);
}

/** Resolves catalog ids, fills efficiencies from the hardware, and checks the model fits in memory. */
export function resolvePhysicsProfile(input: PhysicsProfileInput, name: string): PhysicsProfile {
  const [hardwareId, hardware] = resolveSpec(input.hardware, findHardware, 'custom-hardware');
  const [modelId, model] = resolveSpec(input.model, findModel, name);
  if (input.kind !== 'physics') {
    checkDeprecatedKind(input.kind, hardwareId, hardware, modelId, model);
    warnDeprecatedKind(input.kind, name);
  }
  const weights = input.weights ?? model.default_weights ?? 'bf16';
  const setup: PhysicsSetup = {
    hardwareId,
    hardware: input.interconnect_GBps === undefined ? hardware : { ...hardware, interconnect_GBps: input.interconnect_GBps },
    devices: input.gpus,
    modelId,
    model,
    weights,
    kv: input.kv,
    mfu: input.mfu ?? hardware.mfu,
    mbu: input.mbu ?? hardware.mbu,
    layerOverhead_us: input.layer_overhead_us ?? hardware.layer_overhead_us,
    moeLayerOverhead_us: input.moe_layer_overhead_us ?? hardware.moe_layer_overhead_us,
    stepOverhead_us: input.step_overhead_us ?? hardware.step_overhead_us,
    requestOverhead_us: input.request_overhead_us,
    linkLatency_us: input.link_latency_us ?? hardware.link_latency_us,
    jitterSigma: Math.hypot(input.jitter_sigma ?? hardware.jitter_sigma, model.moe && hardware.kind === 'gpu' ? input.moe_imbalance_sigma : 0),
    gpuMemoryUtilization: input.gpu_memory_utilization,
    blockSize: input.block_size,
    maxNumSeqs: input.max_num_seqs,
    maxNumBatchedTokens: input.max_num_batched_tokens,
    apiOverhead_ms: input.api_overhead_ms,
    speculation: speculationOf(input, model),
  };
  const weights_GB = weightBytes(model, weights) / 1e9;
  const usable_GB = input.gpus * hardware.memory_GB * input.gpu_memory_utilization;
  const capacityTokens = kvCapacityTokens(setup);
  if (capacityTokens < input.block_size * 4) {
    throw new Error(
      `model "${modelId}" does not fit: its ${weights} weights need ${weights_GB.toFixed(1)} GB, but ${input.gpus} × ${hardwareId} ` +
        `offer ${usable_GB.toFixed(1)} GB at ${Math.round(input.gpu_memory_utilization * 100)}% utilisation (${(input.gpus * hardware.memory_GB).toFixed(1)} GB total); ` +
        `add devices (--gpus) or quantise (--weights)`,
    );
  }
  const contextLimit = Math.min(input.context_length ?? model.context_length, Math.floor(capacityTokens));
  return {
    ...input,
    kind: 'physics',
    model: input.served_model_name ?? (typeof input.model === 'string' ? input.model : name),
    context_length: contextLimit,
    architecture: model.moe ? 'moe' : 'dense',
    hardware_class: hardware.kind,
    reasoning: input.reasoning ?? (input.kind === 'reasoning' ? reasoningSchema.parse({}) : undefined),
    physics: setup,
  };
}

const warnedKinds = new Set<string>();

/** Once per profile and kind, on Node's warning channel (stderr; `--no-deprecation` silences it). */
function warnDeprecatedKind(kind: DeprecatedPhysicsKind, profileName: string): void {
  const key = `${profileName}:${kind}`;
  if (warnedKinds.has(key)) return;
  warnedKinds.add(key);
  const instead = kind === 'reasoning' ? 'kind: physics with a reasoning: block' : 'kind: physics (the architecture comes from the model catalog, the hardware class from the hardware catalog)';
  process.emitWarning(`profile "${profileName}": kind: ${kind} is deprecated; use ${instead}`, { type: 'DeprecationWarning', code: 'TOKENBENCH_PROFILE_KIND' });
}
