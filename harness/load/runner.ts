import { performance } from 'node:perf_hooks';
import type { StreamClient } from '../client/stream-client';
import type { Workload, WorkloadRequest } from '../types/workload';
import { closedLoopStart_ms, openLoopSchedule } from './load-pattern';
import { collectGarbageNow } from './quiet-heap';
import { shardConcurrency } from './shard';
import type { RequestRecord } from '../types/record';
import type { LoadObserver, LoadPattern, RunOutcome, RunPlan } from '../types/run';

/**
 * Drives the client with the load pattern. Closed loop keeps `concurrency` requests in flight;
 * open loop sends on schedule without waiting for the target (a late send keeps its scheduled time).
 * `stop` (Ctrl-C) stops sending; requests in flight finish or time out.
 */
export async function runLoad(client: StreamClient, workload: Workload, plan: RunPlan, stop: AbortSignal, observer: LoadObserver = {}): Promise<RunOutcome> {
  const records: RequestRecord[] = [];
  const total = Math.min(plan.requests, workload.size);
  const deadline_ms = plan.duration_s !== undefined ? plan.duration_s * 1000 : Infinity;

  // Warm-up requests (like vLLM's initial test prompt) check the target and warm connections and code
  // paths; a closed loop sends them at its own concurrency, so the first measured wave is not the
  // first the target (or this process) has seen.
  const warmupConcurrency = plan.pattern.kind === 'closed' ? Math.max(1, Math.min(plan.pattern.concurrency, plan.warmup)) : 1;
  let nextWarmup = 0;
  const warmupWorker = async () => {
    while (nextWarmup < plan.warmup && !stop.aborted) {
      const i = nextWarmup++;
      const index = Number.isFinite(workload.size) ? (total + i) % workload.size : total + i;
      await client.send(workload.request(index), 0, performance.now());
    }
  };
  await Promise.all(Array.from({ length: warmupConcurrency }, warmupWorker));

  let start = performance.now();
  const elapsed = () => performance.now() - start;
  const record = (result: RequestRecord) => {
    records.push(result);
    observer.onRecord?.(result);
  };
  const send = (work: WorkloadRequest, scheduled_ms: number, encoded?: Buffer) => {
    observer.onSend?.();
    return client.send(work, scheduled_ms, start, undefined, encoded);
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
    // Prompts are built before the clock starts, so building one never delays a send.
    const ids = Array.from({ length: Math.ceil(Math.max(0, total - firstId) / idStep) }, (_, k) => firstId + k * idStep);
    const works = ids.map((id) => workload.request(id));
    const bodies = works.map((work) => client.encode(work));
    await client.warmConnections(Math.min(works.length, 128));
    await collectGarbageNow();
    start = performance.now();
    const schedule = plan.pattern.kind === 'open' ? openLoopSchedule(total, plan.pattern.rate_per_s, plan.pattern.burstiness, plan.seed, plan.rampUp_s) : [];
    const inFlight: Promise<void>[] = [];
    client.deferTokenAttribution(true);
    for (let k = 0; k < works.length && !stop.aborted; k++) {
      const work = works[k];
      const at = work.at_ms ?? schedule[ids[k]];
      if (at > deadline_ms) break;
      // Timers are coarse and fire late when the loop is busy with responses: sleep to 5 ms before, then yield until due.
      while (!stop.aborted && elapsed() < at) {
        const wait = at - elapsed();
        if (wait > 5) await sleep(wait - 5, stop);
        else await new Promise((resolve) => setImmediate(resolve));
      }
      if (stop.aborted) break;
      inFlight.push(send(work, at, bodies[k]).then(record));
    }
    client.deferTokenAttribution(false);
    await Promise.all(inFlight);
  }
  const duration_s = elapsed() / 1000;
  records.sort((a, b) => a.id - b.id);
  observer.onRunEnd?.(records);
  return { records, duration_s, interrupted: stop.aborted, started_epoch_ms: performance.timeOrigin + start };
}

function sleep(ms: number, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      stop.removeEventListener('abort', done);
      resolve();
    }
    stop.addEventListener('abort', done, { once: true });
  });
}
