import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Pushgateway, Registry, exponentialBuckets } from 'prom-client';
import { meetsSlo, tpotOf } from '../metrics/summary';
import type { RequestRecord } from '../types/record';
import type { LoadObserver, Slo } from '../types/run';

/** Labels every harness series carries, so several runs and targets share one Prometheus. */
export interface RunLabels {
  run_id: string;
  target: string;
  model: string;
  /** The shard's index (0, 1, ...) for one shard of a sharded run, empty otherwise; dashboards sum over it. */
  shard: string;
}

// 0.25 ms to ~70 s: sub-millisecond inter-token gaps (LPU-class profiles) up to long end-to-end latencies.
const LATENCY_BUCKETS_S = exponentialBuckets(0.00025, 2, 19);

/**
 * The harness's live measurements as Prometheus metrics, on their own Registry: latency histograms,
 * request/token/error counters, in-flight and goodput gauges. Served on `--metrics-port` during a
 * run; pushed to a Pushgateway at the end with `--pushgateway`.
 */
export class HarnessMetrics implements LoadObserver {
  readonly registry = new Registry();
  private readonly names = ['run_id', 'target', 'model', 'shard'] as const;
  private readonly ttft = this.histogram('tokenbench_run_ttft_seconds', 'Time to first visible token, per request.');
  private readonly itl = this.histogram('tokenbench_run_itl_seconds', 'Inter-token latency, per token.');
  private readonly tpot = this.histogram('tokenbench_run_tpot_seconds', 'Time per output token after the first, per request.');
  private readonly e2el = this.histogram('tokenbench_run_e2el_seconds', 'End-to-end latency, per request.');
  private readonly requests = new Counter({ name: 'tokenbench_run_requests_total', help: 'Requests finished, by outcome (ok, error).', labelNames: [...this.names, 'outcome'], registers: [this.registry] });
  private readonly errors = new Counter({ name: 'tokenbench_run_errors_total', help: 'Failed requests by kind.', labelNames: [...this.names, 'kind'], registers: [this.registry] });
  private readonly outputTokens = new Counter({ name: 'tokenbench_run_output_tokens_total', help: 'Output tokens received.', labelNames: this.names, registers: [this.registry] });
  private readonly promptTokens = new Counter({ name: 'tokenbench_run_prompt_tokens_total', help: 'Prompt tokens sent (as the server counted them).', labelNames: this.names, registers: [this.registry] });
  private readonly inFlight = new Gauge({ name: 'tokenbench_run_requests_in_flight', help: 'Requests sent and not yet finished.', labelNames: this.names, registers: [this.registry] });
  private readonly goodput = new Gauge({ name: 'tokenbench_run_goodput_requests_per_second', help: 'Requests meeting every SLO, per second of run so far.', labelNames: this.names, registers: [this.registry] });
  private readonly sloMet = new Counter({ name: 'tokenbench_run_slo_met_total', help: 'Requests that met every SLO.', labelNames: this.names, registers: [this.registry] });
  private readonly runInfo = new Gauge({ name: 'tokenbench_run_info', help: 'The run: workload and load, as labels.', labelNames: [...this.names, 'workload', 'load'], registers: [this.registry] });
  private readonly started_ms = performance.now();
  private good = 0;
  private server: Server | undefined;

  constructor(
    private readonly labels: RunLabels,
    private readonly slo: Slo | undefined,
    description: { workload: string; load: string },
  ) {
    this.runInfo.set({ ...labels, ...description }, 1);
    // Series exist from the first scrape, so dashboards show zeros rather than "no data".
    this.inFlight.set(labels, 0);
    this.goodput.set(labels, 0);
    for (const outcome of ['ok', 'error']) this.requests.inc({ ...labels, outcome }, 0);
    this.outputTokens.inc(labels, 0);
    this.promptTokens.inc(labels, 0);
    this.sloMet.inc(labels, 0);
  }

  private histogram(name: string, help: string): Histogram<'run_id' | 'target' | 'model' | 'shard'> {
    return new Histogram({ name, help, buckets: LATENCY_BUCKETS_S, labelNames: this.names, registers: [this.registry] });
  }

  onSend(): void {
    this.inFlight.inc(this.labels);
  }

  onRecord(record: RequestRecord): void {
    const labels = this.labels;
    this.inFlight.dec(labels);
    this.requests.inc({ ...labels, outcome: record.ok ? 'ok' : 'error' });
    if (!record.ok) {
      this.errors.inc({ ...labels, kind: record.error ?? 'unknown' });
      return;
    }
    this.promptTokens.inc(labels, record.prompt_tokens);
    this.outputTokens.inc(labels, record.output_tokens);
    if (record.ttft_ms !== null) this.ttft.observe(labels, record.ttft_ms / 1000);
    if (record.e2el_ms !== null) this.e2el.observe(labels, record.e2el_ms / 1000);
    const tpot = tpotOf(record);
    if (tpot !== undefined) this.tpot.observe(labels, tpot / 1000);
    for (const gap of record.itl_ms) this.itl.observe(labels, gap / 1000);
    if (!this.slo || meetsSlo(record, this.slo, tpot)) {
      this.good++;
      this.sloMet.inc(labels);
    }
    this.goodput.set(labels, this.good / Math.max(1e-3, (performance.now() - this.started_ms) / 1000));
  }


  /** Serves /metrics on `port` (0: any free port) on `host`; resolves with the port. */
  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    this.server = createServer(async (request, response) => {
      if (request.url !== '/metrics') {
        response.writeHead(404).end('try /metrics\n');
        return;
      }
      response.writeHead(200, { 'content-type': this.registry.contentType }).end(await this.registry.metrics());
    });
    this.server.listen(port, host);
    await once(this.server, 'listening');
    return (this.server.address() as AddressInfo).port;
  }

  /** Pushes the final figures to a Pushgateway (job `tokenbench`, grouped by run_id and shard, so shards do not replace each other's). */
  async push(url: string): Promise<void> {
    const gateway = new Pushgateway(url, {}, this.registry);
    await gateway.pushAdd({ jobName: 'tokenbench', groupings: { run_id: this.labels.run_id, ...(this.labels.shard ? { shard: this.labels.shard } : {}) } });
  }

  async close(): Promise<void> {
    if (!this.server) return;
    const server = this.server;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Several observers as one (progress bar and live metrics). */
export function combineObservers(...observers: Array<LoadObserver | undefined>): LoadObserver {
  const present = observers.filter((observer): observer is LoadObserver => observer !== undefined);
  return {
    onSend: () => present.forEach((observer) => observer.onSend?.()),
    onRecord: (record) => present.forEach((observer) => observer.onRecord?.(record)),
  };
}
