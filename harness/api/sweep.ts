import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PROFILE, loadProfile } from '../../server/profiles';
import { sweepPatterns } from '../load/sweep';
import { kneeIndex, OPEN_POINT_MIN_REQUESTS, OPEN_POINT_SECONDS, pastSaturation, pointRates } from '../metrics/saturation';
import { writeSweepReport } from '../report/sweep-report';
import { writeRunDirectory } from '../results/run-dir';
import { RunRecorder } from '../results/run-recorder';
import { simulateOnVirtualClock } from '../simulate/simulate';
import { finishLiveMetrics, runLabels, startLiveMetrics } from '../telemetry/live';
import { offeredLoad, type LoadPattern, type RunInfo, type SweepPoint } from '../types/run';
import { measure } from './measure';
import type { LiveMetricsOptions, RunHooks, TargetOptions, WorkloadOptions } from './options';
import { describeLoad, parseSlo, runInfo, runPlanOf, workloadOf } from './plan';
import { openTarget, type Target } from './target';

export interface SweepOptions extends TargetOptions, Omit<WorkloadOptions, 'concurrency' | 'rate'>, LiveMetricsOptions, RunHooks {
  /** Open-loop rates to try, in order; else `concurrencies` (default 1, 2, 4, ..., 512). */
  rates?: number[];
  concurrencies?: number[];
  /** Run each point on the virtual clock with `profile` instead of over HTTP. */
  simulate?: boolean;
  /** The sweep directory (each point's run directory inside it, sweep.json, report.md); nothing is written without it. */
  out?: string;
}

export interface SweepResult {
  info: RunInfo;
  points: SweepPoint[];
  /** The last point before saturation set in; null when no point saturated (no knee is claimed) or the first did. */
  knee_index: number | null;
  saturated: boolean;
  directory?: string;
}

/**
 * Requests per point: enough for steady state at that load, so noise and the drain do not read as
 * saturation (closed: ≥ 4 per seat; open: OPEN_POINT_SECONDS of arrivals, at least OPEN_POINT_MIN_REQUESTS).
 */
const requestsFor = (pattern: LoadPattern, asked?: number) =>
  asked ?? (pattern.kind === 'closed' ? Math.max(32, pattern.concurrency * 4) : Math.max(OPEN_POINT_MIN_REQUESTS, Math.ceil(pattern.rate_per_s * OPEN_POINT_SECONDS)));

/** A series of runs over rates or concurrencies that stops one point past saturation, as `tokenbench sweep` does. */
export async function sweep(options: SweepOptions = {}): Promise<SweepResult> {
  const started_at = new Date().toISOString();
  const workload = workloadOf(options);
  const slo = parseSlo(options.slo);
  const asked = options.profile ?? DEFAULT_PROFILE;
  const profile = options.simulate ? (typeof asked === 'string' ? loadProfile(asked) : asked) : undefined;
  const target: Target | undefined = profile ? undefined : await openTarget(options);
  const live = target
    ? await startLiveMetrics(options, runLabels(options.runId, started_at, target), slo, { workload: workload.description, load: 'sweep' }, options.log)
    : undefined;
  const points: SweepPoint[] = [];
  const infoFor = (pattern: LoadPattern, interrupted: boolean): RunInfo =>
    runInfo(
      target
        ? { target: target.description, model: target.model, served_by: target.servedBy, api: options.api ?? 'chat', profile: target.profile }
        : { target: `simulated ${profile!.name}`, model: profile!.model, api: 'engine (virtual clock)', profile: profile!.name },
      { workload, pattern, load: describeLoad(pattern, workload, options.rampUp_s), seed: options.seed ?? 0, started_at, interrupted },
    );
  try {
    for (const pattern of sweepPatterns({ rates: options.rates, concurrencies: options.concurrencies, burstiness: options.burstiness })) {
      if (options.signal?.aborted) break;
      const plan = runPlanOf(options, workload, pattern, options.warmup ?? 1, requestsFor(pattern, options.requests));
      const label = pattern.kind === 'open' ? `rate ${pattern.rate_per_s}` : `concurrency ${pattern.concurrency}`;
      const pointDirectory = `point-${String(points.length + 1).padStart(2, '0')}-${pattern.kind === 'open' ? 'rate' : 'c'}${offeredLoad(pattern)}`;
      const recorder = new RunRecorder({ file: options.out ? join(options.out, pointDirectory, 'results.jsonl') : undefined, slo });
      const measured = profile
        ? { outcome: simulateOnVirtualClock(profile, workload, plan, recorder), serverSamples: [] }
        : await measure(target!, workload, plan, options, options, label, live, { sink: recorder });
      const summary = recorder.summary(measured.outcome.duration_s);
      if (options.out) await writeRunDirectory(join(options.out, pointDirectory), infoFor(pattern, measured.outcome.interrupted), recorder, summary, { serverSamples: measured.serverSamples });
      await recorder.close();
      points.push({ pattern, summary, directory: pointDirectory, ...(pattern.kind === 'open' ? pointRates(recorder.records(), recorder.count) : {}) });
      options.log?.(`  ${label}: ${summary.output_throughput.toFixed(1)} tok/s, TTFT median ${summary.ttft_ms.median.toFixed(1)} ms`);
      if (pastSaturation(points)) break;
    }
  } finally {
    await finishLiveMetrics(live, options, options.log);
    await target?.close();
  }
  const knee_index = kneeIndex(points);
  const saturated = pastSaturation(points);
  const info = infoFor(points[0]?.pattern ?? { kind: 'closed', concurrency: 0 }, options.signal?.aborted ?? false);
  if (options.out) {
    mkdirSync(options.out, { recursive: true });
    writeFileSync(join(options.out, 'sweep.json'), JSON.stringify({ ...info, load: 'sweep', knee_index, saturated, points }, null, 2) + '\n');
    await writeSweepReport(options.out, info, points, knee_index);
  }
  return { info, points, knee_index, saturated, directory: options.out };
}
