import type { RequestRecord } from './record';

/** When each request should be sent, ms after the start; closed loop has no schedule. */
export type LoadPattern = { kind: 'closed'; concurrency: number } | { kind: 'open'; rate_per_s: number; burstiness: number };

/** Offered load as a number (req/s or concurrency), for tables and charts. */
export const offeredLoad = (pattern: LoadPattern): number => (pattern.kind === 'open' ? pattern.rate_per_s : pattern.concurrency);

/** Summary statistics of one metric, as vLLM's benchmark reports them. */
export interface MetricSummary {
  count: number;
  mean: number;
  /** Population standard deviation (numpy.std). */
  std: number;
  median: number;
  p90: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
}

export interface Slo {
  ttft_ms?: number;
  tpot_ms?: number;
  e2el_ms?: number;
}

export interface RunSummary {
  completed: number;
  failed: number;
  duration_s: number;
  request_throughput: number;
  output_throughput: number;
  total_token_throughput: number;
  total_input_tokens: number;
  total_output_tokens: number;
  goodput?: number;
  slo_attainment?: number;
  ttft_ms: MetricSummary;
  tpot_ms: MetricSummary;
  itl_ms: MetricSummary;
  e2el_ms: MetricSummary;
  chunk_gap_ms: MetricSummary;
  /** sent − scheduled: how late the client sent (coordinated omission made visible). */
  send_lag_ms: MetricSummary;
  errors: Record<string, number>;
}

export interface RunPlan {
  pattern: LoadPattern;
  requests: number;
  duration_s?: number;
  warmup: number;
  seed: number;
  /** Seconds over which concurrency (closed) or rate (open) climbs linearly to its full value. */
  rampUp_s?: number;
}

export interface RunOutcome {
  records: RequestRecord[];
  duration_s: number;
  interrupted: boolean;
}

/** Who wants to know as the run goes: progress bars, live Prometheus metrics. */
export interface LoadObserver {
  /** A request is about to be sent (after warm-up). */
  onSend?(): void;
  /** A request finished (in open loop, its per-token ITL may only be filled in by the run's end). */
  onRecord?(record: RequestRecord): void;
  /** All requests are done and every record is complete. */
  onRunEnd?(records: readonly RequestRecord[]): void;
}

/** What was run, written at the top of summary.json and the report. */
export interface RunInfo {
  target: string;
  model: string;
  /** Who serves the model, as the target's /models says (`tokenbench` for the mock). */
  served_by?: string;
  api: string;
  profile?: string;
  workload: string;
  load: string;
  /** The load as data (calibrate re-creates runs from it). */
  load_pattern?: LoadPattern;
  seed: number;
  version: string;
  started_at: string;
  machine: string;
  interrupted: boolean;
}

/** One scrape of the target's /metrics: the gauges that explain latency under load. */
export interface ServerSample {
  /** ms after the run's start (negative: before it). */
  t_ms: number;
  running: number;
  waiting: number;
  /** KV cache usage, 0..1. */
  kv_cache_usage: number;
}

/** One measured point of a sweep. */
export interface SweepPoint {
  pattern: LoadPattern;
  summary: RunSummary;
  /** The point's own run directory, relative to the sweep's. */
  directory: string;
}

/** Load settings vLLM's result file records. */
export interface VllmLoadSettings {
  request_rate: number | 'inf';
  burstiness: number;
  max_concurrency: number | null;
}
