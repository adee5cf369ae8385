import { createEngine, type Clock, type InferenceEngine } from '../engine';
import { Rng } from '../../common/random';
import { getTokenizer, type Tokenizer } from '../../common/text/tokenizer';
import type { Profile } from '../profiles/registry';

/** One model the server answers for: its profile, its engine (shared by all clients) and tokenizer. */
export interface ServedModel {
  id: string;
  profile: Profile;
  engine: InferenceEngine;
  tokenizer: Tokenizer;
  created_s: number;
}

export function createServedModels(profiles: Profile[], clock: Clock, seed: number): Map<string, ServedModel> {
  const models = new Map<string, ServedModel>();
  const root = new Rng(seed);
  for (const profile of profiles) {
    if (models.has(profile.model)) throw new Error(`two profiles serve the model id "${profile.model}"`);
    models.set(profile.model, {
      id: profile.model,
      profile,
      engine: createEngine(profile, clock, root.fork(`engine:${profile.model}`)),
      tokenizer: getTokenizer(profile.tokenizer),
      created_s: 1735689600, // fixed, so /v1/models is deterministic
    });
  }
  return models;
}
