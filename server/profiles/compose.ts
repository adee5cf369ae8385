import { loadProfile, parseProfile, readProfileSource, type Profile } from './registry';
import { fleetProblem, type FleetConfig, type RouterPolicy } from './common';

/** The composition flags (`--hardware ID --gpus N --model ID --weights P ...`), as the CLI parsed them. */
export interface CompositionOptions {
  profile?: string;
  hardware?: string;
  gpus?: number;
  model?: string;
  weights?: string;
  kv?: string;
  maxNumSeqs?: number;
  /** `gamma=4,accept=0.7[,draft=llama-3.2-1b][,method=mtp]` */
  specDecode?: string;
  /** `effort=medium[,tokens=600][,stream=true]` */
  reasoning?: string;
  /** commander's `--no-prefix-caching`: false turns the engine's prefix cache off (any profile). */
  prefixCaching?: boolean;
  /** `--replicas N --router POLICY`: data-parallel replicas behind a router (any profile). */
  replicas?: number;
  router?: RouterPolicy;
  /** `--prefill-replicas P --decode-replicas D [--kv-link-gbps G] [--kv-link-latency-us L]`: disaggregated pools. */
  prefillReplicas?: number;
  decodeReplicas?: number;
  kvLinkGbps?: number;
  kvLinkLatencyUs?: number;
}

/** Whether any serving flag was given (prefix caching, replicas, router, disaggregation). */
export const hasServingOptions = (options: CompositionOptions): boolean =>
  options.prefixCaching === false || [options.replicas, options.router, options.prefillReplicas, options.decodeReplicas, options.kvLinkGbps, options.kvLinkLatencyUs].some((value) => value !== undefined);

/** What the serving flags change on any profile, composed or loaded: prefix caching and the fleet. */
export function withServingOptions(profile: Profile, options: CompositionOptions): Profile {
  const flags = {
    replicas: options.replicas,
    router: options.router,
    prefill_replicas: options.prefillReplicas,
    decode_replicas: options.decodeReplicas,
    kv_link_gbps: options.kvLinkGbps,
    kv_link_latency_us: options.kvLinkLatencyUs,
  };
  const given = Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined));
  const fleet: FleetConfig = { ...profile.fleet, ...given };
  const problem = fleetProblem(fleet);
  if (problem) throw new Error(problem);
  return { ...profile, fleet, ...(options.prefixCaching === false ? { prefix_caching: false } : {}) };
}

function keyValues(text: string, flag: string, known: string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const part of text.split(',').filter(Boolean)) {
    const [key, value] = part.split('=');
    if (!known.includes(key) || value === undefined) throw new Error(`${flag}: bad part "${part}" (expected ${known.map((k) => `${k}=`).join(', ')})`);
    values[key] = value;
  }
  return values;
}

function number(text: string, what: string): number {
  const value = Number(text);
  if (!Number.isFinite(value)) throw new Error(`${what}: "${text}" is not a number`);
  return value;
}

function speculation(text: string): Record<string, unknown> {
  const values = keyValues(text, '--spec-decode', ['gamma', 'accept', 'draft', 'method', 'cost']);
  if (values.gamma === undefined || values.accept === undefined) throw new Error('--spec-decode needs gamma= and accept=, e.g. gamma=4,accept=0.7');
  return {
    method: values.method ?? 'draft',
    gamma: number(values.gamma, '--spec-decode gamma'),
    acceptance: number(values.accept, '--spec-decode accept'),
    ...(values.draft ? { draft_model: values.draft } : {}),
    ...(values.cost ? { draft_cost: number(values.cost, '--spec-decode cost') } : {}),
  };
}

function reasoning(text: string): Record<string, unknown> {
  const values = keyValues(text, '--reasoning', ['effort', 'tokens', 'stream']);
  return {
    ...(values.effort ? { default_effort: values.effort } : {}),
    ...(values.tokens ? { tokens: { dist: 'lognormal', median: number(values.tokens, '--reasoning tokens'), sigma: 0.7 } } : {}),
    ...(values.stream ? { stream_reasoning: values.stream === 'true' } : {}),
  };
}

export const hasComposition = (options: CompositionOptions): boolean =>
  [options.hardware, options.gpus, options.model, options.weights, options.kv, options.maxNumSeqs, options.specDecode, options.reasoning].some((value) => value !== undefined);

/**
 * The profile the flags describe: `--profile` alone loads it; composition flags build one from catalog
 * ids (`--hardware` and `--model` both needed) or override fields of the `--profile` they sit on.
 */
export function profileFromOptions(options: CompositionOptions, fallback: string): Profile {
  return withServingOptions(composedProfile(options, fallback), options);
}

function composedProfile(options: CompositionOptions, fallback: string): Profile {
  if (!hasComposition(options)) return loadProfile(options.profile ?? fallback);
  let raw: Record<string, unknown> = {};
  let name = `${options.model}@${options.gpus ?? 1}x${options.hardware}`;
  if (options.profile) {
    const source = readProfileSource(options.profile);
    if (source.raw.kind === 'empirical') throw new Error(`profile "${source.name}" is empirical: composition flags apply to physics profiles only`);
    raw = { ...source.raw };
    name = source.name;
  } else if (!options.hardware || !options.model) {
    throw new Error('composing a profile needs both --hardware ID and --model ID (or a --profile to override)');
  }
  if (options.hardware) raw.hardware = options.hardware;
  if (options.model) {
    raw.model = options.model;
    delete raw.served_model_name;
  }
  if (options.gpus !== undefined) raw.gpus = options.gpus;
  if (options.weights) raw.weights = options.weights;
  if (options.kv) raw.kv = options.kv;
  if (options.maxNumSeqs !== undefined) raw.max_num_seqs = options.maxNumSeqs;
  if (options.specDecode) raw.spec_decode = speculation(options.specDecode);
  if (options.reasoning) raw.reasoning = { ...(raw.reasoning as object | undefined), ...reasoning(options.reasoning) };
  // The catalogs say what the hardware and model are; an older kind on the base would contradict a new one.
  if (raw.kind === 'reasoning' && raw.reasoning === undefined) raw.reasoning = {};
  raw.kind = 'physics';
  return parseProfile(raw, name);
}
