import { performance } from 'node:perf_hooks';
import { Rng } from '../../common/random';
import { createEngine, QueueFullError, VirtualClock } from '../../server/engine';
import { drawReasoningTokens, type Profile } from '../../server/profiles';
import { applyChunkTimings, emptyRecord } from '../metrics/record';
import { closedLoopStart_ms, openLoopSchedule } from '../load/load-pattern';
import type { Workload } from '../types/workload';
import type { RequestRecord } from '../types/record';
import type { RunOutcome, RunPlan } from '../types/run';

export interface SimulationOutcome extends RunOutcome {
  /** Wall-clock seconds the simulation took (the run's own `duration_s` is simulated time). */
  wall_s: number;
  preemptions: number;
}

/**
 * Runs a workload through the profile's engine on a virtual clock: the same scheduler the server
 * uses, with time jumping from event to event, so a run of hours takes seconds and repeats to the bit.
 * Records have the same shape as a real run's (the client's view: sent → visible tokens).
 */
export function simulateOnVirtualClock(profile: Profile, workload: Workload, plan: RunPlan): SimulationOutcome {
  const wallStart = performance.now();
  const clock = new VirtualClock();
  const root = new Rng(plan.seed);
  const engine = createEngine(profile, clock, root.fork('engine'));
  const total = Math.min(plan.requests, workload.size);
  const deadline_ms = plan.duration_s !== undefined ? plan.duration_s * 1000 : Infinity;
  const records: RequestRecord[] = [];
  let lastEvent_ms = 0;

  const send = (index: number, scheduled_ms: number, onDone?: () => void) => {
    const shape = workload.shape(index);
    const record = emptyRecord(index, scheduled_ms, shape.promptTokens, shape.outputTokens);
    record.sent_ms = clock.now_ms();
    records.push(record);
    const reasoningTokens = profile.reasoning ? drawReasoningTokens(profile.reasoning, undefined, root.fork(`reasoning:${index}`)) : 0;
    const arrivals_ms: number[] = [];
    const chunkTokens: number[] = [];
    let delivered = 0;
    try {
      engine.submit(
        { id: String(index), promptTokens: shape.promptTokens, outputTokens: reasoningTokens + shape.outputTokens },
        {
          onTokens(count, at_ms) {
            const before = delivered;
            delivered += count;
            if (before === 0 && reasoningTokens > 0) record.ttfrt_ms = at_ms - record.sent_ms;
            const visible = Math.min(count, delivered - reasoningTokens);
            if (visible > 0) {
              arrivals_ms.push(at_ms - record.sent_ms);
              chunkTokens.push(visible);
            }
          },
          onFinished(at_ms) {
            lastEvent_ms = Math.max(lastEvent_ms, at_ms);
            applyChunkTimings(record, arrivals_ms, chunkTokens);
            record.output_tokens = delivered;
            record.reasoning_tokens = reasoningTokens;
            record.ok = arrivals_ms.length > 0;
            record.status = 200;
            if (!record.ok) record.error = 'no_content';
            onDone?.();
          },
        },
      );
    } catch (error) {
      record.status = error instanceof QueueFullError ? 429 : 500;
      record.error = error instanceof QueueFullError ? 'http_429' : (error as Error).message;
      onDone?.();
    }
  };

  if (plan.pattern.kind === 'closed' && !workload.timed) {
    let next = 0;
    const startNext = () => {
      if (next >= total || clock.now_ms() >= deadline_ms) return;
      const index = next++;
      send(index, clock.now_ms(), startNext);
    };
    const workers = Math.min(plan.pattern.concurrency, total);
    for (let i = 0; i < workers; i++) clock.at(closedLoopStart_ms(i, plan.pattern.concurrency, plan.rampUp_s), startNext);
  } else {
    const schedule = plan.pattern.kind === 'open' ? openLoopSchedule(total, plan.pattern.rate_per_s, plan.pattern.burstiness, plan.seed, plan.rampUp_s) : [];
    for (let index = 0; index < total; index++) {
      const at_ms = workload.timed ? workload.shape(index).at_ms ?? 0 : schedule[index];
      if (at_ms > deadline_ms) break;
      clock.at(at_ms, () => send(index, at_ms));
    }
  }
  clock.run();
  return {
    records: records.sort((a, b) => a.id - b.id),
    duration_s: lastEvent_ms / 1000,
    interrupted: false,
    wall_s: (performance.now() - wallStart) / 1000,
    preemptions: engine.stats().preemptions,
  };
}
