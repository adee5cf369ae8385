import { performance } from 'node:perf_hooks';
import { Rng } from '../../common/random';
import { coarseBlockHashes, createEngine, QueueFullError, replicaNames, VirtualClock } from '../../server/engine';
import { drawReasoningTokens, exceedsContextLength, type Profile } from '../../server/profiles';
import { applyChunkTimings, emptyRecord } from '../metrics/record';
import { arrivalsOf, closedLoopStart_ms } from '../load/load-pattern';
import type { Workload } from '../types/workload';
import type { RequestRecord } from '../types/record';
import type { EngineFigures, RecordSink, RunOutcome, RunPlan } from '../types/run';
import type { EngineStats } from '../../server/engine';

export interface SimulationOutcome extends RunOutcome {
  /** Wall-clock seconds the simulation took (the run's own `duration_s` is simulated time). */
  wall_s: number;
  preemptions: number;
  /** The engine's own view at the end: preemptions, prefix-cache lookups and hits, each replica's share. */
  engine: EngineFigures;
}

/**
 * Runs a workload through the profile's engine on a virtual clock: the same scheduler the server
 * uses, with time jumping from event to event, so a run of hours takes seconds and repeats to the bit.
 * Records have the same shape as a real run's (the client's view: sent → visible tokens).
 */
export function simulateOnVirtualClock(profile: Profile, workload: Workload, plan: RunPlan, sink?: RecordSink): SimulationOutcome {
  const wallStart = performance.now();
  const clock = new VirtualClock();
  const root = new Rng(plan.seed);
  const engine = createEngine(profile, clock, root.fork('engine'));
  const total = Math.min(plan.requests, workload.size);
  const deadline_ms = plan.duration_s !== undefined ? plan.duration_s * 1000 : Infinity;
  // Without a sink the outcome holds every record; with one, records leave as they finish and
  // arrivals are scheduled one at a time, so an hour of traffic simulates in flat memory.
  const records: RequestRecord[] = [];
  const finished = (record: RequestRecord) => (sink ? sink.add(record) : void records.push(record));
  let lastEvent_ms = 0;

  const send = (index: number, scheduled_ms: number, onDone?: () => void) => {
    const shape = workload.shape(index);
    const record = emptyRecord(index, scheduled_ms, shape.promptTokens, shape.outputTokens);
    record.sent_ms = clock.now_ms();
    if (exceedsContextLength(profile.context_length, shape.promptTokens, shape.outputTokens)) {
      // What `serve` answers for the same request, so a simulation never runs what the mock rejects.
      record.status = 400;
      record.error = 'http_400: context_length_exceeded';
      record.error_message = `This model's maximum context length is ${profile.context_length} tokens; the request asked for ${shape.promptTokens + shape.outputTokens}.`;
      finished(record);
      // Through the clock, not a direct call: a closed loop of rejected requests must not recurse.
      if (onDone) clock.at(clock.now_ms(), onDone);
      return;
    }
    const reasoningTokens = profile.reasoning ? drawReasoningTokens(profile.reasoning, undefined, root.fork(`reasoning:${index}`)) : 0;
    const arrivals_ms: number[] = [];
    const chunkTokens: number[] = [];
    let delivered = 0;
    const blockSize = engine.prefixBlockSize;
    const blockHashes = blockSize && shape.sharedBlocks ? coarseBlockHashes(shape.sharedBlocks, shape.promptTokens, blockSize) : undefined;
    try {
      engine.submit(
        { id: String(index), promptTokens: shape.promptTokens, outputTokens: reasoningTokens + shape.outputTokens, ...(blockHashes?.length ? { blockHashes } : {}) },
        {
          onScheduled(_at_ms, cachedTokens) {
            if (blockSize) record.cached_tokens = Math.min(shape.promptTokens, cachedTokens);
          },
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
            finished(record);
            onDone?.();
          },
        },
      );
    } catch (error) {
      record.status = error instanceof QueueFullError ? 429 : 500;
      record.error = error instanceof QueueFullError ? 'http_429' : (error as Error).message;
      finished(record);
      if (onDone) clock.at(clock.now_ms(), onDone);
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
    for (let i = 0; i < workers; i++) clock.at(plan.workerStarts_ms?.[i] ?? closedLoopStart_ms(i, plan.pattern.concurrency, plan.rampUp_s), startNext);
  } else {
    const arrivals = arrivalsOf(workload, plan, total, deadline_ms);
    const scheduleNext = () => {
      const next = arrivals.next();
      if (next.done) return;
      clock.at(next.value.at_ms, () => {
        scheduleNext();
        send(next.value.id, next.value.at_ms);
      });
    };
    scheduleNext();
  }
  clock.run();
  return {
    records: records.sort((a, b) => a.id - b.id),
    duration_s: lastEvent_ms / 1000,
    interrupted: false,
    wall_s: (performance.now() - wallStart) / 1000,
    preemptions: engine.stats().preemptions,
    engine: engineFigures(engine.stats()),
  };
}

/** The server-side figures a simulation adds to its summary. */
function engineFigures(stats: EngineStats): EngineFigures {
  const hitRate = (queries: number, hits: number) => (queries > 0 ? hits / queries : null);
  const names = stats.replicas ? replicaNames(stats.replicas) : [];
  return {
    preemptions: stats.preemptions,
    prefix_cache_queries: stats.prefixCacheQueries,
    prefix_cache_hits: stats.prefixCacheHits,
    prefix_cache_hit_rate: hitRate(stats.prefixCacheQueries, stats.prefixCacheHits),
    ...(stats.replicas
      ? { replicas: stats.replicas.map((replica, index) => ({ name: names[index], routed: replica.routed, preemptions: replica.preemptions, prefix_cache_hit_rate: hitRate(replica.prefixCacheQueries, replica.prefixCacheHits) })) }
      : {}),
  };
}
