import { createEngine, type Clock, type InferenceEngine } from '../engine';
import { Rng } from '../../common/random';
import { getTokenizer, type Tokenizer } from '../../common/text/tokenizer';
import type { Profile } from '../profiles/registry';

/** One model the server answers for: its profile, its engine (shared by all clients) and tokenizer. */
export interface ServedModel {
  /** The id clients ask for: the model's, or a LoRA adapter's. */
  id: string;
  /** The base model whose engine serves it (vLLM's `model_name` label, an adapter's `parent`). */
  base: string;
  /** Set for a LoRA adapter: its name, as requests carry it to the engine. */
  adapter?: string;
  profile: Profile;
  engine: InferenceEngine;
  tokenizer: Tokenizer;
  created_s: number;
}

export function createServedModels(profiles: Profile[], clock: Clock, seed: number): Map<string, ServedModel> {
  const models = new Map<string, ServedModel>();
  const root = new Rng(seed);
  const add = (model: ServedModel) => {
    if (models.has(model.id)) throw new Error(`two profiles (or LoRA adapters) serve the model id "${model.id}"`);
    models.set(model.id, model);
  };
  for (const profile of profiles) {
    const base: ServedModel = {
      id: profile.model,
      base: profile.model,
      profile,
      engine: createEngine(profile, clock, root.fork(`engine:${profile.model}`)),
      tokenizer: getTokenizer(profile.tokenizer),
      created_s: 1735689600, // fixed, so /v1/models is deterministic
    };
    add(base);
    // Adapters share the base model's engine (one batch, as vLLM runs LoRA requests alongside others).
    for (const adapter of profile.lora) add({ ...base, id: adapter, adapter });
  }
  return models;
}
