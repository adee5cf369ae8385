import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { ClientLoad } from '../types/run';

// Beyond these the harness's own delays show in what it measures (k6 and Locust warn alike).
const CLIENT_BOUND_LOOP_DELAY_P99_MS = 5;
const CLIENT_BOUND_UTILIZATION = 0.9;

/** Watches the harness's own event loop and CPU from now until `stop()`, which says how loaded it was. */
// The delay monitor's own timer period: coarse enough to add nothing measurable to a run's loop (100
// wakes a second), fine enough to see the stalls that matter (several ms).
const RESOLUTION_MS = 10;

export function watchClientLoad(): { stop(): ClientLoad } {
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  const utilization = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const started_ms = performance.now();
  return {
    stop() {
      delay.disable();
      const busy = performance.eventLoopUtilization(utilization).utilization;
      const used = process.cpuUsage(cpu);
      const elapsed_s = Math.max(1e-9, (performance.now() - started_ms) / 1000);
      // The histogram counts in ns, each sample including the resolution it waited for.
      const late_ms = (ns: number) => (Number.isFinite(ns) && delay.count > 0 ? Math.max(0, ns / 1e6 - RESOLUTION_MS) : 0);
      const load: ClientLoad = {
        loop_delay_p50_ms: late_ms(delay.percentile(50)),
        loop_delay_p99_ms: late_ms(delay.percentile(99)),
        loop_delay_max_ms: late_ms(delay.max),
        event_loop_utilization: busy,
        cpu_per_s: (used.user + used.system) / 1e6 / elapsed_s,
        client_bound: false,
      };
      load.client_bound = load.loop_delay_p99_ms > CLIENT_BOUND_LOOP_DELAY_P99_MS || busy > CLIENT_BOUND_UTILIZATION;
      return load;
    },
  };
}

/** The plain warning a client-bound run prints and its report shows. */
export const clientBoundWarning = (load: ClientLoad): string =>
  `client-bound: the harness's event loop was late by ${load.loop_delay_p99_ms.toFixed(1)} ms at p99 and busy ${(load.event_loop_utilization * 100).toFixed(0)}% of the run; ` +
  'its measurements include its own delays (use fewer streams per process, --shard over several, or --pin-cpu)';
