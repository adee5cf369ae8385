import type { Clock } from './clock';
import { IndependentEngine } from './independent-engine';
import type { InferenceEngine } from './types';
import type { Profile } from '../profiles/registry';
import type { Rng } from '../common/random';

export * from './types';
export { RealClock, VirtualClock, type Clock } from './clock';

/** The scheduler that serves a profile's kind, on the given clock. */
export function createEngine(profile: Profile, clock: Clock, rng: Rng): InferenceEngine {
  switch (profile.kind) {
    case 'empirical':
      return new IndependentEngine(clock, profile, rng);
  }
}
