import { Option, type Command } from 'commander';
import { cpus, hostname } from 'node:os';
import { renderSummaryTable } from '../harness/report/report';
import { writeRunDirectory, type RunExtras } from '../harness/results/run-dir';
import { parseWorkload } from '../harness/workload';
import type { Workload } from '../harness/types/workload';
import { version } from '../common/version';
import type { RequestRecord } from '../harness/types/record';
import type { LoadPattern, RunInfo, RunSummary, Slo, VllmLoadSettings } from '../harness/types/run';

export const DEFAULT_WORKLOAD = 'synthetic:prompt=256,output=64';

/** Workload and load flags shared by `run` (real time, over HTTP) and `simulate` (virtual time). */
export function addWorkloadOptions(command: Command): Command {
  return command
    .option('--workload <spec>', 'workload, e.g. synthetic:prompt=lognormal(512,0.6),output=128, azure:FILE', DEFAULT_WORKLOAD)
    .option('--trace-start <n>', 'traces: rows to skip', Number, 0)
    .option('--limit <n>', 'traces: rows to replay', Number)
    .option('--speedup <x>', 'traces: divide recorded gaps by this', Number, 1)
    .option('--concurrency <n>', 'closed loop: requests in flight', Number)
    .option('--rate <r>', 'open loop: requests per second', Number)
    .option('--burstiness <k>', 'open loop: gamma shape of the gaps (1 = Poisson)', Number, 1)
    .option('--requests <n>', 'requests to send', Number)
    .option('--duration <s>', 'stop sending after this many seconds', Number)
    .option('--ramp-up <s>', 'seconds over which concurrency or rate climbs to its full value', Number, 0)
    .option('--slo <spec>', 'goodput SLOs, e.g. ttft_ms=500,tpot_ms=50')
    .option('--seed <n>', 'seed for the workload and arrivals', Number, 0)
    .option('--out <dir>', 'run directory (default reports/runs/<timestamp>)')
    .addOption(new Option('--json', 'print summary.json on stdout instead of the table'))
    .option('--csv', "also write the report's tables as CSV");
}

export interface WorkloadFlags {
  workload: string;
  traceStart: number;
  limit?: number;
  speedup: number;
  concurrency?: number;
  rate?: number;
  burstiness: number;
  requests?: number;
  duration?: number;
  rampUp: number;
  slo?: string;
  seed: number;
}

export function workloadFrom(options: WorkloadFlags): Workload {
  return parseWorkload(options.workload, options.seed, { start: options.traceStart, limit: options.limit, speedup: options.speedup });
}

/** How many requests to send: as asked; all of a trace or a duration's worth; else a short default. */
export function requestCount(options: WorkloadFlags, workload: Workload): number {
  return options.requests ?? (options.duration || workload.timed ? Number.MAX_SAFE_INTEGER : 32);
}

export function loadPatternFrom(options: WorkloadFlags): LoadPattern {
  return options.rate
    ? { kind: 'open', rate_per_s: options.rate, burstiness: options.burstiness }
    : { kind: 'closed', concurrency: options.concurrency ?? 8 };
}

export function describeLoad(pattern: LoadPattern, workload: Workload, rampUp_s = 0): string {
  if (workload.timed) return 'trace replay at recorded times';
  const ramp = rampUp_s > 0 ? `, ramp-up ${rampUp_s} s` : '';
  return (pattern.kind === 'closed' ? `closed loop, concurrency ${pattern.concurrency}` : `open loop, ${pattern.rate_per_s} req/s, burstiness ${pattern.burstiness}`) + ramp;
}

/** How vLLM's result file describes a load pattern. */
export function vllmLoadSettings(pattern: LoadPattern): VllmLoadSettings {
  return pattern.kind === 'closed'
    ? { request_rate: 'inf', burstiness: 1, max_concurrency: pattern.concurrency }
    : { request_rate: pattern.rate_per_s, burstiness: pattern.burstiness, max_concurrency: null };
}

export function parseSlo(text: string | undefined): Slo | undefined {
  if (!text) return undefined;
  const slo: Slo = {};
  for (const part of text.split(',')) {
    const [key, value] = part.split('=');
    if (!['ttft_ms', 'tpot_ms', 'e2el_ms'].includes(key) || !Number.isFinite(Number(value))) throw new Error(`bad --slo part "${part}" (ttft_ms=, tpot_ms=, e2el_ms=)`);
    slo[key as keyof Slo] = Number(value);
  }
  return slo;
}

/** Where a run's files go unless --out says: reports/runs/<start time>. */
function defaultRunDirectory(started_at: string): string {
  return `reports/runs/${started_at.replace(/[:.]/g, '-')}`;
}

/** Writes the run directory and prints the summary (table, or JSON with --json); shared by run and simulate. */
export async function publishRun(info: RunInfo, records: RequestRecord[], summary: RunSummary, options: { out?: string; json?: boolean; csv?: boolean }, extras: RunExtras = {}): Promise<string> {
  const directory = options.out ?? defaultRunDirectory(info.started_at);
  await writeRunDirectory(directory, info, records, summary, { csv: options.csv, ...extras });
  process.stdout.write(options.json ? JSON.stringify({ ...info, ...summary }, null, 2) + '\n' : renderSummaryTable(summary) + `\nrun directory: ${directory}\n`);
  return directory;
}

/** The machine a run was measured (or simulated) on, for the report. */
const machineDescription = (): string => `${hostname()} (${cpus().length} cores, node ${process.version})`;

/** What was run, for summary.json and the report: the target's side, plus the workload, load and this machine. */
export function runInfo(
  target: Pick<RunInfo, 'target' | 'model' | 'api'> & Partial<Pick<RunInfo, 'served_by' | 'profile'>>,
  run: { workload: Workload; pattern: LoadPattern; load: string; seed: number; started_at: string; interrupted: boolean },
): RunInfo {
  return {
    ...target,
    workload: run.workload.description,
    load: run.load,
    // Traces carry their own send times; the pattern flags did not shape them.
    load_pattern: run.workload.timed ? undefined : run.pattern,
    seed: run.seed,
    version,
    started_at: run.started_at,
    machine: machineDescription(),
    interrupted: run.interrupted,
  };
}
