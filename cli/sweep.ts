import { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kneeIndex, offeredLoad, pastSaturation, sweepPatterns } from '../harness/load/sweep';
import { summarizeRun } from '../harness/metrics/summary';
import { simulate } from '../harness/simulate/simulate';
import { writeSweepReport } from '../harness/report/sweep-report';
import { writeRunDirectory } from '../harness/results/run-dir';
import { DEFAULT_PROFILE } from '../server/profiles';
import { profileFromOptions } from './profile-options';
import { addWorkloadOptions, describeLoad, runInfo, parseSlo, workloadFrom } from './load-options';
import { addTargetOptions, finishLiveMetrics, interruptOnSigint, measure, openTarget, startLiveMetrics, type Target } from './target';
import { formatTable } from './table';
import type { LoadPattern, RunInfo, SweepPoint } from '../harness/types/run';

const numberList = (text: string) => text.split(',').map((part) => {
  const value = Number(part);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`not a positive number: "${part}"`);
  return value;
});

/** Requests per point: enough for steady state at that load (≥ 4 per seat, or ~10 s of arrivals). */
const requestsFor = (pattern: LoadPattern, asked?: number) => asked ?? (pattern.kind === 'closed' ? Math.max(32, pattern.concurrency * 4) : Math.max(32, Math.ceil(pattern.rate_per_s * 10)));

export function sweepCommand(): Command {
  const command = new Command('sweep')
    .description('a series of runs over rates or concurrencies that stops one point past saturation, with one report')
    .option('--rates <list>', 'open-loop rates to try, e.g. 1,2,4,8', numberList)
    .option('--concurrencies <list>', 'concurrencies to try (default 1,2,4,...,512)', numberList)
    .option('--simulate', 'run each point on the virtual clock with --profile instead of over HTTP');
  addTargetOptions(command);
  return addWorkloadOptions(command).action(async (options) => {
    const started_at = new Date().toISOString();
    const directory: string = options.out ?? join('reports', 'sweeps', started_at.replace(/[:.]/g, '-'));
    const workload = workloadFrom(options);
    const slo = parseSlo(options.slo);
    const profile = options.simulate ? profileFromOptions(options, DEFAULT_PROFILE) : undefined;
    const target: Target | undefined = profile ? undefined : await openTarget(options);
    const interrupt = interruptOnSigint();
    const live = target ? await startLiveMetrics(options, target, { workload: workload.description, load: 'sweep' }, started_at) : undefined;
    const points: SweepPoint[] = [];
    const infoFor = (pattern: LoadPattern, interrupted: boolean): RunInfo =>
      runInfo(
        target
          ? { target: target.description, model: target.model, served_by: target.servedBy, api: options.api, profile: target.profile }
          : { target: `simulated ${profile!.name}`, model: profile!.model, api: 'engine (virtual clock)', profile: profile!.name },
        { workload, pattern, load: describeLoad(pattern, workload, options.rampUp), seed: options.seed, started_at, interrupted },
      );
    try {
      for (const pattern of sweepPatterns({ rates: options.rates, concurrencies: options.concurrencies, burstiness: options.burstiness })) {
        if (interrupt.signal.aborted) break;
        const plan = { pattern, requests: requestsFor(pattern, options.requests), duration_s: options.duration, warmup: options.warmup, seed: options.seed, rampUp_s: options.rampUp };
        const label = pattern.kind === 'open' ? `rate ${pattern.rate_per_s}` : `concurrency ${pattern.concurrency}`;
        const measured = profile ? { outcome: simulate(profile, workload, plan), serverSamples: [] } : await measure(target!, workload, plan, options, interrupt.signal, label, live);
        const summary = summarizeRun(measured.outcome.records, measured.outcome.duration_s, slo);
        const pointDirectory = `point-${String(points.length + 1).padStart(2, '0')}-${pattern.kind === 'open' ? 'rate' : 'c'}${offeredLoad(pattern)}`;
        await writeRunDirectory(join(directory, pointDirectory), infoFor(pattern, measured.outcome.interrupted), measured.outcome.records, summary, { serverSamples: measured.serverSamples });
        points.push({ pattern, summary, directory: pointDirectory });
        process.stderr.write(`  ${label}: ${summary.output_throughput.toFixed(1)} tok/s, TTFT median ${summary.ttft_ms.median.toFixed(1)} ms\n`);
        if (pastSaturation(points)) break;
      }
    } finally {
      interrupt.dispose();
      await finishLiveMetrics(live, options);
      await target?.close();
    }
    const knee = kneeIndex(points);
    mkdirSync(directory, { recursive: true });
    const info = infoFor(points[0]?.pattern ?? { kind: 'closed', concurrency: 0 }, interrupt.signal.aborted);
    writeFileSync(join(directory, 'sweep.json'), JSON.stringify({ ...info, load: 'sweep', knee_index: knee, saturated: pastSaturation(points), points }, null, 2) + '\n');
    await writeSweepReport(directory, info, points, knee);
    const rows = points.map((point, index) => [
      `${offeredLoad(point.pattern)}${index === knee ? ' (knee)' : ''}`,
      point.summary.request_throughput,
      point.summary.output_throughput,
      point.summary.ttft_ms.median,
      point.summary.tpot_ms.median,
      point.summary.e2el_ms.p99,
    ]);
    process.stdout.write(formatTable([points[0]?.pattern.kind === 'open' ? 'rate req/s' : 'concurrency', 'req/s', 'output tok/s', 'TTFT p50 ms', 'TPOT p50 ms', 'E2EL p99 ms'], rows) + `\nsweep directory: ${directory}\n`);
  });
}
