import { Rng } from '../../common/random';
import type { RunPlan } from '../types/run';
import type { Workload } from '../types/workload';


/**
 * Open-loop send times, one at a time (a run by duration never holds its whole schedule): gaps drawn
 * from a gamma distribution with shape `burstiness` and mean 1/rate (vLLM's benchmark: burstiness 1
 * is a Poisson process, < 1 burstier, > 1 more regular).
 */
export function* openLoopTimes(rate_per_s: number, burstiness: number, seed: number, rampUp_s = 0): Generator<number, never> {
  const rng = new Rng(seed).fork('arrivals');
  const meanGap_ms = 1000 / rate_per_s;
  let at = 0;
  for (;;) {
    yield rampedTime(at, rampUp_s * 1000);
    at += rng.gamma(burstiness, meanGap_ms / burstiness);
  }
}

/** The first `count` open-loop send times. */
export function openLoopSchedule(count: number, rate_per_s: number, burstiness: number, seed: number, rampUp_s = 0): number[] {
  const times = openLoopTimes(rate_per_s, burstiness, seed, rampUp_s);
  return Array.from({ length: count }, () => times.next().value);
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

/** The ids to send with their send times: a trace's own times, or the open-loop schedule, up to the deadline. */
export function* arrivalsOf(workload: Workload, plan: RunPlan, total: number, deadline_ms: number): Generator<{ id: number; at_ms: number }> {
  const firstId = plan.shard?.index ?? 0;
  const idStep = plan.shard?.count ?? 1;
  const times = plan.pattern.kind === 'open' ? openLoopTimes(plan.pattern.rate_per_s, plan.pattern.burstiness, plan.seed, plan.rampUp_s) : undefined;
  for (let id = 0; id < total; id++) {
    // The whole run's schedule is drawn in order, so a shard's ids keep the times they have unsharded.
    const at_ms = times ? times.next().value : workload.shape(id).at_ms ?? 0;
    if (at_ms > deadline_ms) return;
    if (id >= firstId && (id - firstId) % idStep === 0) yield { id, at_ms };
  }
}
