import type { ApiKind } from '../client/stream-client';
import type { Profile } from '../../server/profiles';
import type { RequestRecord } from '../types/record';
import type { Slo } from '../types/run';
import type { Workload } from '../types/workload';

/** What to send and when: the workload and the load pattern, shared by runBenchmark, simulate and sweep. */
export interface WorkloadOptions {
  /** A spec (`synthetic:prompt=256,output=64`, `sharegpt:FILE`, `mooncake:FILE`, ...) or a Workload. */
  workload?: string | Workload;
  /** Traces: rows to skip, rows to replay, and the factor recorded gaps are divided by. */
  traceStart?: number;
  limit?: number;
  speedup?: number;
  /** Closed loop: requests in flight (8 unless `rate` is given). */
  concurrency?: number;
  /** Open loop: requests per second, gaps drawn from a gamma of shape `burstiness` (1 = Poisson). */
  rate?: number;
  burstiness?: number;
  /** Requests to send (default 32; all of a trace, or a duration's worth). */
  requests?: number;
  /** Stop sending after this many seconds. */
  duration_s?: number;
  /** Seconds over which concurrency or rate climbs linearly to its full value. */
  rampUp_s?: number;
  /** Goodput SLOs, as data or as `ttft_ms=500,tpot_ms=50`. */
  slo?: Slo | string;
  /** Seed of the workload and the arrivals (default 0). */
  seed?: number;
}

/** How to reach the endpoint and how to treat each request; absent `target`: an embedded mock. */
export interface TargetOptions {
  /** OpenAI base URL, e.g. http://127.0.0.1:8000/v1. */
  target?: string;
  /** Model to ask for (default: the first of the target's /models). */
  model?: string;
  api?: ApiKind;
  /** Sent as `Authorization: Bearer`; never written to any output. */
  apiKey?: string;
  /** The embedded mock's profile (when `target` is absent). */
  profile?: string | Profile;
  /** Unrecorded requests sent first (default 1, as vLLM's benchmark sends a test prompt). */
  warmup?: number;
  /** Deadline for each whole request, seconds (default 600). */
  timeout_s?: number;
  /** Longest silence allowed within a request (waiting for headers or the next bytes), seconds (default: the deadline). */
  idleTimeout_s?: number;
  /** Seconds between scrapes of the target's /metrics (default 1; 0: no scraping). */
  scrapeInterval_s?: number;
  /** Send ignore_eos/min_tokens so answers have the asked length (default true). */
  fixOutputLength?: boolean;
  /** Linux: the harness's event loop alone on this CPU while it measures. */
  pinCpu?: number;
}

/** The run's own live Prometheus metrics: served while it runs, pushed at its end. */
export interface LiveMetricsOptions {
  /** Serve them on this port (0: any free port). */
  metricsPort?: number;
  metricsHost?: string;
  /** Keep serving this long after the run, for a last scrape. */
  metricsLinger_s?: number;
  /** Push the final figures to this Pushgateway. */
  pushgateway?: string;
  /** `run_id` label (default: the start time). */
  runId?: string;
}

/** Where a run's files go: nothing is written without `out`. */
export interface OutputOptions {
  out?: string;
  /** Also write the report's tables as CSV. */
  csv?: boolean;
}

/** A progress display the caller owns (the CLI's bar); the library only reports to it. */
export interface ProgressReporter {
  start(label: string, total: number): void;
  tick(): void;
  stop(): void;
}

/** How a caller follows and stops a run. */
export interface RunHooks {
  /** Aborting stops sending; requests in flight finish or time out, and everything measured is kept. */
  signal?: AbortSignal;
  /** Aborting cancels the requests still in flight (recorded `aborted`): the end of a drain, or a second Ctrl-C. */
  cancel?: AbortSignal;
  /** A measured request is about to be sent. */
  onSend?(): void;
  onRecord?(record: RequestRecord): void;
  progress?: ProgressReporter;
  /** One line at a time of what the run is doing (the CLI writes them to stderr). */
  log?(line: string): void;
}
