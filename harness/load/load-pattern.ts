import { Rng } from '../../server/common/random';

/** When each request should be sent, ms after the start; closed loop has no schedule. */
export type LoadPattern = { kind: 'closed'; concurrency: number } | { kind: 'open'; rate_per_s: number; burstiness: number };

/**
 * Open-loop send times: gaps drawn from a gamma distribution with shape `burstiness` and mean
 * 1/rate (vLLM's benchmark: burstiness 1 is a Poisson process, < 1 burstier, > 1 more regular).
 */
export function openLoopSchedule(count: number, rate_per_s: number, burstiness: number, seed: number): number[] {
  const rng = new Rng(seed).fork('arrivals');
  const meanGap_ms = 1000 / rate_per_s;
  const times: number[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    times.push(at);
    at += rng.gamma(burstiness, meanGap_ms / burstiness);
  }
  return times;
}
