import type { BatchEngineConfig } from '../engine/batch-engine';
import { fittedStepSeconds, type FittedProfile } from './fitted';
import type { PhysicsProfile } from './physics';
import { kvCapacityTokens, stepCost } from './step-cost';

/** The batch scheduler's view of a physics or fitted profile. */
export function engineConfigOf(profile: PhysicsProfile | FittedProfile): BatchEngineConfig {
  if (profile.kind === 'fitted') {
    return {
      stepSeconds: (shape) => fittedStepSeconds(profile.step_ms, shape),
      kvCapacityTokens: profile.kv_capacity_tokens,
      blockSize: profile.block_size,
      maxNumSeqs: profile.max_num_seqs,
      maxNumBatchedTokens: profile.max_num_batched_tokens,
      jitterSigma: profile.jitter_sigma,
      apiOverhead_ms: profile.api_overhead_ms,
    };
  }
  const setup = profile.physics;
  return {
    stepSeconds: (shape) => stepCost(setup, shape).step_s,
    kvCapacityTokens: kvCapacityTokens(setup),
    blockSize: setup.blockSize,
    maxNumSeqs: setup.maxNumSeqs,
    maxNumBatchedTokens: setup.maxNumBatchedTokens,
    jitterSigma: setup.jitterSigma,
    speculation: setup.speculation,
    apiOverhead_ms: setup.apiOverhead_ms,
  };
}
