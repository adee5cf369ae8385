import type { BatchEngineConfig } from '../../server/profiles/engine-config';

/** A batch engine's setup for scheduler tests: a linear step cost, no jitter or front-end delay, blocks of 16. */
export function testEngineConfig(overrides: Partial<BatchEngineConfig> & Pick<BatchEngineConfig, 'stepSeconds' | 'kvCapacityTokens'>): BatchEngineConfig {
  return {
    blockSize: 16,
    maxNumSeqs: 8,
    maxNumBatchedTokens: 8192,
    jitterSigma: 0,
    apiOverhead_ms: 0,
    loraStepOverhead_s: 0,
    promptTokenRatio: 1,
    promptTokenOffset: 0,
    prefixCaching: true,
    ...overrides,
  };
}
