import { Option, type Command } from 'commander';
import { DEFAULT_WORKLOAD, renderSummaryTable, type RunResult, type WorkloadOptions } from '../harness';
import { GOODPUT_BELOW_MINIMUM_EXIT, minimumGoodput } from './verdict';
import { concurrency, nonNegativeInteger, nonNegativeSeconds, numberIn, positiveInteger, positiveNumber, positiveSeconds, rate } from './flag-parsers';

/** Workload and load flags shared by `run` (real time, over HTTP), `simulate` (virtual time) and `sweep`. */
export function addWorkloadOptions(command: Command): Command {
  return command
    .option('--workload <spec>', 'workload, e.g. synthetic:prompt=lognormal(512,0.6),output=128, azure:FILE', DEFAULT_WORKLOAD)
    .option('--trace-start <n>', 'traces: rows to skip', nonNegativeInteger, 0)
    .option('--limit <n>', 'traces: rows to replay', positiveInteger)
    .option('--speedup <x>', 'traces: divide recorded gaps by this', positiveNumber, 1)
    .option('--concurrency <n>', 'closed loop: requests in flight; with --rate, the most in flight (as vLLM bench --max-concurrency)', concurrency)
    .option('--rate <r>', 'open loop: requests per second', rate)
    .option('--burstiness <k>', 'open loop: gamma shape of the gaps (1 = Poisson)', numberIn(0, 1000, { aboveMin: true }), 1)
    .option('--requests <n>', 'requests to send', positiveInteger)
    .option('--duration <s>', 'stop sending after this many seconds', positiveSeconds)
    .option('--ramp-up <s>', 'seconds over which concurrency or rate climbs to its full value', nonNegativeSeconds, 0)
    .option('--slo <spec>', 'goodput SLOs, e.g. ttft_ms=500,tpot_ms=50')
    .option('--min-goodput <r|p%>', `with --slo: exit ${GOODPUT_BELOW_MINIMUM_EXIT} unless this many req/s (or this share of requests, e.g. 90%) met the SLOs`, minimumGoodput)
    .option('--seed <n>', 'seed for the workload and arrivals', nonNegativeInteger, 0)
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
  csv?: boolean;
}

/** The library's workload options from the flags. */
export function workloadOptionsFrom(flags: WorkloadFlags): WorkloadOptions & { csv?: boolean } {
  return {
    workload: flags.workload,
    traceStart: flags.traceStart,
    limit: flags.limit,
    speedup: flags.speedup,
    concurrency: flags.concurrency,
    rate: flags.rate,
    burstiness: flags.burstiness,
    requests: flags.requests,
    duration_s: flags.duration,
    rampUp_s: flags.rampUp,
    slo: flags.slo,
    seed: flags.seed,
    csv: flags.csv,
  };
}

/** Prints a finished run: its summary table and directory, or summary.json's content with --json. */
export function printRun(result: RunResult, json: boolean | undefined): void {
  process.stdout.write(json ? JSON.stringify({ ...result.info, ...result.summary }, null, 2) + '\n' : renderSummaryTable(result.summary) + `\nrun directory: ${result.directory}\n`);
}
