import type { Clock } from './clock';
import { BatchEngine } from './batch-engine';
import { IndependentEngine } from './independent-engine';
import { FleetEngine } from './fleet-engine';
import { DisaggregatedEngine, type KvLink } from './disaggregated-engine';
import type { InferenceEngine } from './types';
import type { Profile } from '../profiles/registry';
import { engineConfigOf } from '../profiles/engine-config';
import { kvBytesPerToken } from '../profiles/step-cost';
import type { Rng } from '../../common/random';

export * from './types';
export { RealClock, VirtualClock, type Clock } from './clock';
export { BatchEngine } from './batch-engine';
export { BlockPool } from './block-pool';
export { FleetEngine } from './fleet-engine';
export { DisaggregatedEngine, kvTransferSeconds, type KvLink } from './disaggregated-engine';
export { blockHashesOfTokens, coarseBlockHashes } from './block-hashes';

/**
 * The scheduler that serves a profile's kind, on the given clock: `fleet.replicas` of them behind its
 * router, or a prefill pool and a decode pool joined by a KV link when the fleet is disaggregated.
 */
export function createEngine(profile: Profile, clock: Clock, rng: Rng): InferenceEngine {
  const { fleet } = profile;
  if (fleet.prefill_replicas !== undefined && fleet.decode_replicas !== undefined) {
    const link = kvLinkOf(profile);
    // Requests a decode replica receives were admitted already: it never turns one away.
    const prefillPool = createPool(profile, clock, rng.fork('prefill'), fleet.prefill_replicas, 'prefill', profile.max_waiting);
    const decodePool = createPool(profile, clock, rng.fork('decode'), fleet.decode_replicas, 'decode', Infinity);
    return new DisaggregatedEngine(clock, prefillPool, decodePool, link);
  }
  return createPool(profile, clock, rng, fleet.replicas, 'replica', profile.max_waiting);
}

function createPool(profile: Profile, clock: Clock, rng: Rng, replicas: number, name: string, maxWaiting: number): InferenceEngine {
  if (replicas <= 1) return createReplica(profile, clock, rng, maxWaiting);
  return new FleetEngine(clock, Array.from({ length: replicas }, (_, index) => createReplica(profile, clock, rng.fork(`${name}-${index}`), maxWaiting)), profile.fleet.router);
}

function createReplica(profile: Profile, clock: Clock, rng: Rng, maxWaiting: number): InferenceEngine {
  if (profile.kind === 'empirical') return new IndependentEngine(clock, profile, rng);
  return new BatchEngine(clock, engineConfigOf(profile), rng, maxWaiting);
}

/** The link a disaggregated fleet ships KV caches over: the flags' figures, else the hardware's interconnect. */
function kvLinkOf(profile: Profile): KvLink {
  if (profile.kind !== 'physics') throw new Error(`profile "${profile.name}" is ${profile.kind}: disaggregated prefill/decode needs a physics profile (the KV bytes shipped come from its model)`);
  const setup = profile.physics;
  const { kv_link_gbps, kv_link_latency_us } = profile.fleet;
  // Each device holds its tensor-parallel shard of the KV cache and sends it over its own link.
  const interconnect_Bps = setup.hardware.interconnect_GBps * 1e9 * setup.devices;
  if (kv_link_gbps === undefined && interconnect_Bps <= 0) throw new Error(`hardware "${setup.hardwareId}" lists no interconnect: give the KV link with --kv-link-gbps (fleet.kv_link_gbps)`);
  return {
    bytesPerEngineToken: kvBytesPerToken(setup.model, setup.kv),
    promptTokens: { promptTokenRatio: profile.prompt_token_ratio, promptTokenOffset: profile.prompt_token_offset },
    bytesPerSecond: kv_link_gbps !== undefined ? (kv_link_gbps * 1e9) / 8 : interconnect_Bps,
    latency_s: (kv_link_latency_us ?? setup.linkLatency_us) * 1e-6,
  };
}
