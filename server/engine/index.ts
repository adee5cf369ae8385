import type { Clock } from './clock';
import { BatchEngine } from './batch-engine';
import { IndependentEngine } from './independent-engine';
import type { InferenceEngine } from './types';
import type { Profile } from '../profiles/registry';
import { engineConfigOf } from '../profiles/engine-config';
import type { Rng } from '../../common/random';

export * from './types';
export { RealClock, VirtualClock, type Clock } from './clock';
export { BatchEngine } from './batch-engine';
export { BlockPool } from './block-pool';
export { blockHashesOfTokens, coarseBlockHashes } from './block-hashes';

/** The scheduler that serves a profile's kind, on the given clock. */
export function createEngine(profile: Profile, clock: Clock, rng: Rng): InferenceEngine {
  if (profile.kind === 'empirical') return new IndependentEngine(clock, profile, rng);
  return new BatchEngine(clock, engineConfigOf(profile), rng, profile.max_waiting);
}
