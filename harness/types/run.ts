import type { RequestRecord } from './record';

/** When each request should be sent, ms after the start; closed loop has no schedule. */
export type LoadPattern =
  | { kind: 'closed'; concurrency: number }
  /** `max_concurrency` caps requests in flight, as vLLM's `--max-concurrency` does: a send waits for a free slot. */
  | { kind: 'open'; rate_per_s: number; burstiness: number; max_concurrency?: number };

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
  /**
   * TTFT and E2EL counted from the scheduled send instead of the actual one (the coordinated-omission
   * view: a late client's lag is the user's wait too). Equal to TTFT and E2EL when nothing was late.
   */
  ttft_from_scheduled_ms?: MetricSummary;
  e2el_from_scheduled_ms?: MetricSummary;
  errors: Record<string, number>;
  /** The target's own message for the first error of each kind (a 500's `error.message`). */
  error_messages?: Record<string, string>;
  /**
   * Prompt tokens the endpoint reported found in its prefix cache (usage.prompt_tokens_details.cached_tokens),
   * and their share of the prompt tokens of the requests that reported it.
   */
  cached_prompt_tokens?: number;
  prefix_cache_hit_rate?: number;
  /** A simulation's engine-side figures. */
  engine?: EngineFigures;
  /** Set when some percentile came from an HDR histogram (a metric beyond a million values). */
  percentiles?: 'hdr-histogram';
}

/** What the engine itself saw in a simulation (summary.json's `engine`): the server side of the run. */
export interface EngineFigures {
  preemptions: number;
  /** Prompt tokens looked up in the prefix cache at admission (recomputes included), found, and their ratio. */
  prefix_cache_queries: number;
  prefix_cache_hits: number;
  prefix_cache_hit_rate: number | null;
  /** Behind a router: each replica's requests, preemptions and hit rate (the load balance); `prefill-0`, `decode-0`… when disaggregated. */
  replicas?: Array<{ name?: string; routed: number; preemptions: number; prefix_cache_hit_rate: number | null }>;
}

/** Where a run's records go as they finish: a run directory's results.jsonl, a summary, a sample. */
export interface RecordSink {
  add(record: RequestRecord): void;
}

/** One of `count` load generators that split a run between them (`--shard index/count`, 0-based). */
export interface Shard {
  index: number;
  count: number;
}

/**
 * How hard the harness itself worked during a run: when its event loop was late or busy, what it
 * measured includes its own delays (k6 and Locust warn the same way).
 */
export interface ClientLoad {
  /** Event-loop delay beyond what timers asked for, ms (perf_hooks.monitorEventLoopDelay). */
  loop_delay_p50_ms: number;
  loop_delay_p99_ms: number;
  loop_delay_max_ms: number;
  /** Share of the run the event loop was busy (performance.eventLoopUtilization). */
  event_loop_utilization: number;
  /** Process CPU (all threads) per second of run. */
  cpu_per_s: number;
  /** Loop delay p99 above 5 ms or the loop busy over 90% of the time. */
  client_bound: boolean;
}

export interface RunPlan {
  pattern: LoadPattern;
  requests: number;
  duration_s?: number;
  warmup: number;
  seed: number;
  /** Seconds over which concurrency (closed) or rate (open) climbs linearly to its full value. */
  rampUp_s?: number;
  /** Send only this shard's slice: request ids ≡ index (mod count), at 1/count of the concurrency or rate. */
  shard?: Shard;
  /** Closed loop, simulated: when each worker sends its first request (a replay's measured offsets); overrides rampUp_s. */
  workerStarts_ms?: number[];
}

export interface RunOutcome {
  records: RequestRecord[];
  duration_s: number;
  interrupted: boolean;
  /** When the measured load started (records' times count from it), ms since the Unix epoch. */
  started_epoch_ms?: number;
}

/** Who wants to know as the run goes: progress bars, live Prometheus metrics. */
export interface LoadObserver {
  /** A request is about to be sent (after warm-up). */
  onSend?(): void;
  /** A request finished; its record is complete. */
  onRecord?(record: RequestRecord): void;
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
  /** When the measured load started, ms since the Unix epoch: what `merge` aligns shards on. */
  load_started_epoch_ms?: number;
  /** This run was one shard of a sharded run. */
  shard?: Shard;
  /** The harness's own load during the run. */
  client?: ClientLoad;
  /** A merged run: each shard it was made of. */
  shards?: ShardBrief[];
}

/** One shard of a merged run, as the merged summary and report list it. */
export interface ShardBrief {
  directory: string;
  shard?: Shard;
  machine: string;
  requests: number;
  /** Its load's start after the earliest shard's, ms (its records are shifted by this). */
  clock_offset_ms: number;
  client?: ClientLoad;
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
  /**
   * Open loop: requests sent per second over the span of the sends, and finished per second over the
   * span of the finishes. Free of the drain tail that bends request_throughput on a short point: a
   * stable endpoint finishes at the rate it is sent to, a saturated one at its capacity.
   */
  sent_per_s?: number;
  finished_per_s?: number;
  /** Successful requests the rates count. */
  finished?: number;
  /** The point's own run directory, relative to the sweep's. */
  directory: string;
}

/** Load settings vLLM's result file records. */
export interface VllmLoadSettings {
  request_rate: number | 'inf';
  burstiness: number;
  max_concurrency: number | null;
}
