import { cpus, hostname } from 'node:os';
import { version } from '../../common/version';
import { parseWorkload } from '../workload';
import { shardPattern } from '../load/shard';
import type { LoadPattern, RunInfo, RunPlan, Shard, Slo, VllmLoadSettings } from '../types/run';
import type { Workload } from '../types/workload';
import type { WorkloadOptions } from './options';

export const DEFAULT_WORKLOAD = 'synthetic:prompt=256,output=64';

export function workloadOf(options: WorkloadOptions): Workload {
  checkWorkloadOptions(options);
  if (options.workload !== undefined && typeof options.workload !== 'string') return options.workload;
  return parseWorkload(options.workload ?? DEFAULT_WORKLOAD, options.seed ?? 0, { start: options.traceStart ?? 0, limit: options.limit, speedup: options.speedup ?? 1 });
}

/** How many requests to send: as asked; all of a trace or a duration's worth; else a short default. */
export function requestCount(options: WorkloadOptions, workload: Workload): number {
  return options.requests ?? (options.duration_s || workload.timed ? Number.MAX_SAFE_INTEGER : 32);
}

/** Closed loop at `concurrency`, or open loop at `rate` capped at `concurrency` in flight (vLLM's --max-concurrency). */
export function loadPatternOf(options: WorkloadOptions): LoadPattern {
  checkWorkloadOptions(options);
  if (options.rate === undefined) return { kind: 'closed', concurrency: options.concurrency ?? 8 };
  return { kind: 'open', rate_per_s: options.rate, burstiness: options.burstiness ?? 1, ...(options.concurrency !== undefined ? { max_concurrency: options.concurrency } : {}) };
}

/**
 * The library's own check of the load options (the CLI's flag parsers give the same rules with the
 * flag's name): a zero, negative or non-number rate or count is an error, never a silent default.
 */
export function checkWorkloadOptions(options: WorkloadOptions): void {
  const rules: Array<[keyof WorkloadOptions, (value: number) => boolean, string]> = [
    ['rate', (value) => value > 0, 'above 0 (requests per second)'],
    ['concurrency', (value) => Number.isSafeInteger(value) && value >= 1, 'a whole number ≥ 1'],
    ['requests', (value) => Number.isSafeInteger(value) && value >= 1, 'a whole number ≥ 1'],
    ['duration_s', (value) => value > 0, 'above 0 seconds'],
    ['burstiness', (value) => value > 0, 'above 0'],
    ['rampUp_s', (value) => value >= 0, '0 or more seconds'],
    ['limit', (value) => Number.isSafeInteger(value) && value >= 1, 'a whole number ≥ 1'],
    ['traceStart', (value) => Number.isSafeInteger(value) && value >= 0, 'a whole number ≥ 0'],
    ['speedup', (value) => value > 0, 'above 0'],
  ];
  for (const [key, valid, expected] of rules) {
    const value = options[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || !valid(value)) throw new Error(`${key} must be ${expected}, got ${typeof value === 'number' ? value : JSON.stringify(value)}`);
  }
}

/** The plan the load runner (or the simulator) follows for one load. */
export function runPlanOf(options: WorkloadOptions & { shard?: Shard }, workload: Workload, pattern: LoadPattern, warmup: number, requests = requestCount(options, workload)): RunPlan {
  return { pattern, requests, duration_s: options.duration_s, warmup, seed: options.seed ?? 0, rampUp_s: options.rampUp_s ?? 0, ...(options.shard ? { shard: options.shard } : {}) };
}

export function describeLoad(pattern: LoadPattern, workload: Workload, rampUp_s = 0, shard?: Shard): string {
  const slice = shard ? `; shard ${shard.index}/${shard.count}: ${workload.timed ? 'its rows' : describePattern(shardPattern(pattern, shard))}` : '';
  if (workload.timed) return 'trace replay at recorded times' + slice;
  const ramp = rampUp_s > 0 ? `, ramp-up ${rampUp_s} s` : '';
  return describePattern(pattern) + ramp + slice;
}

const describePattern = (pattern: LoadPattern): string =>
  pattern.kind === 'closed'
    ? `closed loop, concurrency ${pattern.concurrency}`
    : `open loop, ${pattern.rate_per_s} req/s, burstiness ${pattern.burstiness}${pattern.max_concurrency !== undefined ? `, at most ${pattern.max_concurrency} in flight` : ''}`;

/** How vLLM's result file describes a load pattern. */
export function vllmLoadSettings(pattern: LoadPattern): VllmLoadSettings {
  return pattern.kind === 'closed'
    ? { request_rate: 'inf', burstiness: 1, max_concurrency: pattern.concurrency }
    : { request_rate: pattern.rate_per_s, burstiness: pattern.burstiness, max_concurrency: pattern.max_concurrency ?? null };
}

/** `ttft_ms=500,tpot_ms=50` as data; an Slo object passes through. */
export function parseSlo(slo: Slo | string | undefined): Slo | undefined {
  if (slo === undefined || typeof slo === 'object') return slo;
  if (!slo) return undefined;
  const parsed: Slo = {};
  for (const part of slo.split(',')) {
    const [key, value, extra] = part.split('=');
    const bound = value === undefined || value.trim() === '' ? NaN : Number(value);
    if (!['ttft_ms', 'tpot_ms', 'e2el_ms'].includes(key) || extra !== undefined || !Number.isFinite(bound) || bound <= 0) {
      throw new Error(`bad --slo part "${part}" (ttft_ms=, tpot_ms=, e2el_ms= with a number of ms above 0)`);
    }
    parsed[key as keyof Slo] = bound;
  }
  return parsed;
}

/** Where the CLI puts a run's (or a sweep's) files unless --out says: reports/<kind>/<start time>. */
export function defaultDirectory(started_at: string, kind: 'runs' | 'sweeps' = 'runs'): string {
  return `reports/${kind}/${started_at.replace(/[:.]/g, '-')}`;
}

/** The machine a run was measured (or simulated) on, for the report. */
const machineDescription = (): string => `${hostname()} (${cpus().length} cores, node ${process.version})`;

/** What was run, for summary.json and the report: the target's side, plus the workload, load and this machine. */
export function runInfo(
  target: Pick<RunInfo, 'target' | 'model' | 'api'> & Partial<Pick<RunInfo, 'served_by' | 'profile'>>,
  run: { workload: Workload; pattern: LoadPattern; load: string; seed: number; started_at: string; interrupted: boolean } & Partial<Pick<RunInfo, 'load_started_epoch_ms' | 'shard' | 'client'>>,
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
    ...(run.load_started_epoch_ms !== undefined ? { load_started_epoch_ms: run.load_started_epoch_ms } : {}),
    ...(run.shard ? { shard: run.shard } : {}),
    ...(run.client ? { client: run.client } : {}),
  };
}
