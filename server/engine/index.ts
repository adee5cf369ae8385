import type { Clock } from './clock';
import { BatchEngine } from './batch-engine';
import { IndependentEngine } from './independent-engine';
import { FleetEngine } from './fleet-engine';
import type { InferenceEngine } from './types';
import type { Profile } from '../profiles/registry';
import { engineConfigOf } from '../profiles/engine-config';
import type { Rng } from '../../common/random';

export * from './types';
export { RealClock, VirtualClock, type Clock } from './clock';
export { BatchEngine } from './batch-engine';
export { BlockPool } from './block-pool';
export { FleetEngine } from './fleet-engine';
export { blockHashesOfTokens, coarseBlockHashes } from './block-hashes';

/** The scheduler that serves a profile's kind, on the given clock; `fleet.replicas` of them behind its router. */
export function createEngine(profile: Profile, clock: Clock, rng: Rng): InferenceEngine {
  const replicas = profile.fleet.replicas;
  if (replicas <= 1) return createReplica(profile, clock, rng);
  return new FleetEngine(clock, Array.from({ length: replicas }, (_, index) => createReplica(profile, clock, rng.fork(`replica-${index}`))), profile.fleet.router);
}

function createReplica(profile: Profile, clock: Clock, rng: Rng): InferenceEngine {
  if (profile.kind === 'empirical') return new IndependentEngine(clock, profile, rng);
  return new BatchEngine(clock, engineConfigOf(profile), rng, profile.max_waiting);
}
