/**
 * The harness as a library: what the CLI's run, sweep, simulate, calibrate, compare and report
 * commands do, as typed functions (the CLI only parses flags, prints and exits).
 */
export { runBenchmark, type BenchmarkOptions, type RunResult } from './api/run-benchmark';
export { simulate, type SimulateOptions, type SimulationResult } from './api/simulate';
export { sweep, type SweepOptions, type SweepResult } from './api/sweep';
export { calibrate, calibrateTarget, type CalibrateOptions, type CalibrateResult, type CalibrateTargetOptions, type StructureOptions } from './api/calibrate';
export { CALIBRATION_MISSED_EXIT, judgeCalibration, type CalibrationVerdict } from './calibrate/verdict';
export { compare, type CompareOptions, type CompareResult } from './api/compare';
export { regenerateReport } from './api/report';
export { merge, type MergeOptions, type MergeResult } from './api/merge';
export { parseShard, shardFrom } from './load/shard';
export { clientBoundWarning } from './telemetry/client-load';
export { openTarget, targetHint, type Target } from './api/target';
export { DEFAULT_WORKLOAD, defaultDirectory, parseSlo } from './api/plan';
export type { LiveMetricsOptions, OutputOptions, ProgressReporter, RunHooks, TargetOptions, WorkloadOptions } from './api/options';
export { formatFitErrors, type CalibrationResult, type RunFit } from './calibrate/calibrate';
export type { Comparison } from './compare/compare';
export type { ApiKind } from './client/stream-client';
export { parseWorkload } from './workload';
export { renderSummaryTable } from './report/report';
export { readRunDirectory, type LoadedRun } from './results/run-dir';
export type { RequestRecord } from './types/record';
export { offeredLoad, type LoadPattern, type MetricSummary, type RunInfo, type RunSummary, type ServerSample, type Shard, type ShardBrief, type ClientLoad, type Slo, type SweepPoint } from './types/run';
export type { Workload, WorkloadRequest } from './types/workload';
