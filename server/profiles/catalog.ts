import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { profileResourceDir } from './resources';

/** Bytes per stored element for each precision a user may pick (`--weights`, `--kv`). */
export const PRECISION_BYTES = { fp32: 4, bf16: 2, fp16: 2, fp8: 1, int8: 1, int4: 0.5, fp4: 0.5, int2: 0.25 } as const;
export const WEIGHT_PRECISIONS = ['bf16', 'fp16', 'fp8', 'int8', 'int4', 'fp4', 'int2'] as const;
export const KV_PRECISIONS = ['bf16', 'fp16', 'fp8', 'int4'] as const;
export type WeightPrecision = (typeof WEIGHT_PRECISIONS)[number];
export type KvPrecision = (typeof KV_PRECISIONS)[number];

const positive = z.number().positive();
const nonnegative = z.number().nonnegative();

export const hardwareSpecSchema = z.object({
  description: z.string().default(''),
  kind: z.enum(['gpu', 'lpu', 'wafer', 'device', 'cpu']),
  memory_GB: positive,
  mem_bw_GBps: positive,
  peak_tflops: z.partialRecord(z.enum(['fp32', 'bf16', 'fp16', 'fp8', 'int8', 'fp4']), positive),
  interconnect_GBps: nonnegative.default(0),
  link_latency_us: nonnegative.default(0),
  mfu: z.number().gt(0).max(1),
  mbu: z.number().gt(0).max(1),
  layer_overhead_us: nonnegative.default(0),
  /** Extra fixed time per MoE layer: routing, token permutation, grouped-GEMM launches, expert dispatch. */
  moe_layer_overhead_us: nonnegative.default(0),
  step_overhead_us: nonnegative.default(0),
  jitter_sigma: nonnegative.default(0),
  source: z.string().default('user supplied'),
});
export type HardwareSpec = z.infer<typeof hardwareSpecSchema>;

export const modelSpecSchema = z.object({
  params_B: positive,
  layers: z.number().int().positive(),
  hidden: z.number().int().positive(),
  heads: z.number().int().positive(),
  kv_heads: z.number().int().positive(),
  head_dim: z.number().int().positive(),
  vocab: z.number().int().positive().default(128256),
  /** The LM head reuses the input embedding matrix (config.json's tie_word_embeddings): params_B counts it once. */
  tied_embeddings: z.boolean().default(false),
  context_length: z.number().int().positive().default(131072),
  /** DeepSeek's multi-head latent attention: the cache holds one compressed vector per layer. */
  mla: z.object({ kv_lora_rank: z.number().int().positive(), rope_dim: z.number().int().nonnegative() }).optional(),
  moe: z
    .object({
      experts: z.number().int().positive(),
      top_k: z.number().int().positive(),
      /** All routed experts' weights, over all layers. */
      expert_params_B: positive,
    })
    .refine((moe) => moe.top_k <= moe.experts, 'top_k cannot exceed experts')
    .optional(),
  default_weights: z.enum(WEIGHT_PRECISIONS).optional(),
  source: z.string().default('user supplied'),
});
export type ModelSpec = z.infer<typeof modelSpecSchema>;

function loadCatalog<T>(file: string, schema: z.ZodType<T>): Map<string, T> {
  const raw = parseYaml(readFileSync(join(profileResourceDir('catalog'), file), 'utf8')) as Record<string, unknown>;
  const entries = new Map<string, T>();
  for (const [id, value] of Object.entries(raw)) {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new Error(`catalog ${file}: entry "${id}" is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    entries.set(id, parsed.data);
  }
  return entries;
}

let hardware: Map<string, HardwareSpec> | undefined;
let models: Map<string, ModelSpec> | undefined;

export function hardwareCatalog(): Map<string, HardwareSpec> {
  return (hardware ??= loadCatalog('hardware.yaml', hardwareSpecSchema));
}

export function modelCatalog(): Map<string, ModelSpec> {
  return (models ??= loadCatalog('models.yaml', modelSpecSchema));
}

function lookup<T>(catalog: Map<string, T>, what: string, id: string): T {
  const found = catalog.get(id);
  if (!found) throw new Error(`unknown ${what} "${id}" (known: ${[...catalog.keys()].join(', ')})`);
  return found;
}

export const findHardware = (id: string): HardwareSpec => lookup(hardwareCatalog(), 'hardware', id);
export const findModel = (id: string): ModelSpec => lookup(modelCatalog(), 'model', id);
