import { performance } from 'node:perf_hooks';
import type { StreamClient } from '../client/stream-client';
import type { Workload, WorkloadRequest } from '../types/workload';
import { arrivalsOf, closedLoopStart_ms } from './load-pattern';
import { collectGarbageNow } from './quiet-heap';
import { shardConcurrency } from './shard';
import type { RequestRecord } from '../types/record';
import type { LoadObserver, RecordSink, RunOutcome, RunPlan } from '../types/run';

/**
 * Open loop: prompts built ahead of their send time, at most this many (a run by duration never builds
 * them all); the first SEND_WINDOW before the clock starts, so a trace of that many is built up front.
 */
export const SEND_WINDOW = 1024;

/** Attempts per warm-up request before the run stops with the target's error (one injected fault does not). */
const WARMUP_ATTEMPTS = 3;

export interface LoadControls {
  /** Aborting stops every request still in flight (the drain after Ctrl-C is over); they are recorded `aborted`. */
  cancel?: AbortSignal;
  /** Where records go as they finish; without one, the outcome holds them all. */
  sink?: RecordSink;
}

/** A warm-up request failed every attempt: the run stops before measuring, with the target's own words. */
export class WarmupFailedError extends Error {
  constructor(readonly record: RequestRecord) {
    super(`the warm-up request failed ${WARMUP_ATTEMPTS} times: ${record.error?.replace(/: $/, '')}${record.error_message ? ` (${record.error_message})` : ''}; nothing was measured`);
  }
}

/**
 * Drives the client with the load pattern. Closed loop keeps `concurrency` requests in flight;
 * open loop sends on schedule without waiting for the target (a late send keeps its scheduled time),
 * capped at `max_concurrency` in flight when the pattern has one. `stop` (Ctrl-C) stops sending;
 * requests in flight finish, time out, or are cancelled by `controls.cancel`.
 */
export async function runLoad(client: StreamClient, workload: Workload, plan: RunPlan, stop: AbortSignal, observer: LoadObserver = {}, controls: LoadControls = {}): Promise<RunOutcome> {
  const collected: RequestRecord[] = [];
  const sink = controls.sink ?? { add: (record: RequestRecord) => void collected.push(record) };
  const total = Math.min(plan.requests, workload.size);
  const deadline_ms = plan.duration_s !== undefined ? plan.duration_s * 1000 : Infinity;
  const cancel = controls.cancel;

  await warmUp(client, workload, plan, total, stop, cancel);

  let start = performance.now();
  const elapsed = () => performance.now() - start;
  const record = (result: RequestRecord) => {
    sink.add(result);
    observer.onRecord?.(result);
  };
  const send = (work: WorkloadRequest, scheduled_ms: number, encoded?: Buffer) => {
    observer.onSend?.();
    return client.send(work, scheduled_ms, start, cancel, encoded);
  };

  // A shard sends the ids ≡ index (mod count) of the whole run's requests, at its share of the
  // concurrency, or at the whole open-loop schedule's own times for its ids (so the shards' union is
  // the unsharded run's schedule, and each shard's rate is 1/count of it).
  const shard = plan.shard;
  const firstId = shard?.index ?? 0;
  const idStep = shard?.count ?? 1;
  if (plan.pattern.kind === 'closed' && !workload.timed) {
    let next = firstId;
    const concurrency = Math.min(shardConcurrency(plan.pattern.concurrency, shard), Math.ceil(Math.max(0, total - firstId) / idStep));
    // Connections are opened before the clock starts: TTFT measures serving, not TCP handshakes.
    await client.warmConnections(concurrency);
    start = performance.now();
    const worker = async (worker: number) => {
      const start_ms = closedLoopStart_ms(worker, concurrency, plan.rampUp_s);
      if (start_ms > 0) await sleep(start_ms, stop);
      while (!stop.aborted && next < total && elapsed() < deadline_ms) {
        const index = next;
        next += idStep;
        const work = workload.request(index);
        const scheduled = work.at_ms ?? elapsed();
        record(await send(work, scheduled));
      }
    };
    await Promise.all(Array.from({ length: concurrency }, (_, index) => worker(index)));
  } else {
    const arrivals = arrivalsOf(workload, plan, total, deadline_ms);
    // Prompts are built a bounded window ahead, the first ones before the clock starts, so building
    // one never delays a send and a run of any length holds at most SEND_WINDOW of them.
    const ready: Array<{ at_ms: number; work: WorkloadRequest; body: Buffer }> = [];
    let exhausted = false;
    // The slowest build so far: one is started only in a gap it fits twice (long trace prompts take ms).
    let slowestBuild_ms = 0;
    const buildOne = () => {
      const began = performance.now();
      const next = arrivals.next();
      if (next.done) return void (exhausted = true);
      const work = workload.request(next.value.id);
      ready.push({ at_ms: next.value.at_ms, work, body: client.encode(work) });
      slowestBuild_ms = Math.max(slowestBuild_ms, performance.now() - began);
    };
    const canBuild = (wait_ms: number) => !exhausted && ready.length < SEND_WINDOW && wait_ms > 2 + 2 * slowestBuild_ms;
    while (!exhausted && ready.length < SEND_WINDOW) buildOne();
    const maxInFlight = plan.pattern.kind === 'open' ? plan.pattern.max_concurrency ?? Infinity : Infinity;
    await client.warmConnections(Math.min(ready.length, Number.isFinite(maxInFlight) ? maxInFlight : 128));
    await collectGarbageNow();
    start = performance.now();
    const inFlight = new Set<Promise<void>>();
    client.deferTokenAttribution(true);
    while (!stop.aborted && ready.length > 0) {
      const { at_ms, work, body } = ready.shift()!;
      // Timers are coarse and fire late when the loop is busy with responses: sleep to 5 ms before,
      // then yield until due. Idle moments go to the next prompts and the finished records' analysis.
      while (!stop.aborted) {
        const wait = at_ms - elapsed();
        if (wait <= 0) break;
        if (canBuild(wait)) buildOne();
        else if (wait > 2 && client.attributeDeferred(performance.now() + Math.min(wait - 2, 2)) > 0) continue;
        else if (wait > 5) await sleep(wait - 5, stop);
        else await new Promise((resolve) => setImmediate(resolve));
      }
      while (!stop.aborted && inFlight.size >= maxInFlight) await Promise.race([...inFlight, aborted(stop)]);
      if (stop.aborted) break;
      const done: Promise<void> = send(work, at_ms, body).then((result) => {
        inFlight.delete(done);
        record(result);
      });
      inFlight.add(done);
      // Running low: build now, even late, rather than run dry.
      if (!exhausted && ready.length < 16) buildOne();
    }
    client.deferTokenAttribution(false);
    await Promise.all(inFlight);
  }
  const duration_s = elapsed() / 1000;
  collected.sort((a, b) => a.id - b.id);
  return { records: collected, duration_s, interrupted: stop.aborted, started_epoch_ms: performance.timeOrigin + start };
}

/**
 * Warm-up requests (like vLLM's initial test prompt) check the target and warm connections and code
 * paths; a closed loop sends them at its own concurrency, so the first measured wave is not the first
 * the target (or this process) has seen. One that fails every attempt stops the run.
 */
async function warmUp(client: StreamClient, workload: Workload, plan: RunPlan, total: number, stop: AbortSignal, cancel?: AbortSignal): Promise<void> {
  const concurrency = plan.pattern.kind === 'closed' ? Math.max(1, Math.min(plan.pattern.concurrency, plan.warmup)) : 1;
  // Warm-up prompts come after the measured ones (a trace's first rows are not spent on it).
  const base = Number.isFinite(total) && total < Number.MAX_SAFE_INTEGER ? total : 0;
  let next = 0;
  const worker = async () => {
    while (next < plan.warmup && !stop.aborted) {
      const i = next++;
      const index = Number.isFinite(workload.size) ? (base + i) % workload.size : base + i;
      let result: RequestRecord | undefined;
      for (let attempt = 0; attempt < WARMUP_ATTEMPTS && !stop.aborted; attempt++) {
        result = await client.send(workload.request(index), 0, performance.now(), cancel);
        if (result.ok || result.error === 'aborted') break;
      }
      if (result && !result.ok && result.error !== 'aborted' && !stop.aborted) throw new WarmupFailedError(result);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

const aborted = (signal: AbortSignal): Promise<void> => new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));

/** Node's timers hold at most 2³¹−1 ms; a longer sleep wakes early and its caller sleeps again. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function sleep(ms: number, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, Math.min(ms, MAX_TIMER_MS));
    function done() {
      clearTimeout(timer);
      stop.removeEventListener('abort', done);
      resolve();
    }
    stop.addEventListener('abort', done, { once: true });
  });
}
