import { Rng } from '../../common/random';


/**
 * Open-loop send times: gaps drawn from a gamma distribution with shape `burstiness` and mean
 * 1/rate (vLLM's benchmark: burstiness 1 is a Poisson process, < 1 burstier, > 1 more regular).
 */
export function openLoopSchedule(count: number, rate_per_s: number, burstiness: number, seed: number, rampUp_s = 0): number[] {
  const rng = new Rng(seed).fork('arrivals');
  const meanGap_ms = 1000 / rate_per_s;
  const times: number[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    times.push(rampedTime(at, rampUp_s * 1000));
    at += rng.gamma(burstiness, meanGap_ms / burstiness);
  }
  return times;
}

/**
 * Maps a send time at the full rate onto a rate that climbs linearly from 0 to full over `ramp_ms`
 * (time change by the cumulative intensity: Λ(t) = R·t²/2T during the ramp, R·(t − T/2) after).
 */
export function rampedTime(fullRate_ms: number, ramp_ms: number): number {
  if (ramp_ms <= 0) return fullRate_ms;
  return fullRate_ms <= ramp_ms / 2 ? Math.sqrt(2 * ramp_ms * fullRate_ms) : fullRate_ms + ramp_ms / 2;
}

/** Closed loop with a ramp: worker i of n starts at i/n of the ramp, so concurrency climbs linearly. */
export function closedLoopStart_ms(worker: number, concurrency: number, rampUp_s = 0): number {
  return concurrency > 0 ? (worker / concurrency) * rampUp_s * 1000 : 0;
}
