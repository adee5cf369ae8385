import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import type { ServerSample } from '../types/run';


/** vLLM's gauge names (and the pre-V1 name for KV usage), summed over `model_name`. */
const GAUGES: Record<string, keyof Omit<ServerSample, 't_ms'>> = {
  'vllm:num_requests_running': 'running',
  'vllm:num_requests_waiting': 'waiting',
  'vllm:kv_cache_usage_perc': 'kv_cache_usage',
  'vllm:gpu_cache_usage_perc': 'kv_cache_usage',
};

const GAUGE_NAMES: ReadonlySet<string> = new Set(Object.keys(GAUGES));

/**
 * Reads the sample lines of Prometheus's text exposition format (`name{labels} value [ts]`) for the
 * wanted metric names. Comments, histograms and other metrics are skipped; a full parser is not
 * needed for three gauges.
 */
export function parsePrometheusSamples(text: string, wanted: ReadonlySet<string>): Map<string, number> {
  const totals = new Map<string, number>();
  // Look up each wanted name rather than splitting the whole exposition: /metrics with histograms runs
  // to hundreds of kilobytes, and the scrape shares the harness's event loop with scheduled sends.
  for (const name of wanted) {
    for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + name.length)) {
      if (at > 0 && text[at - 1] !== '\n') continue; // inside a comment or another metric's name
      const after = text[at + name.length];
      if (after !== '{' && after !== ' ') continue; // a longer name that starts the same
      const end = text.indexOf('\n', at);
      const line = text.slice(at, end < 0 ? undefined : end);
      const afterLabels = line.lastIndexOf('}') >= 0 ? line.slice(line.lastIndexOf('}') + 1) : line.slice(name.length);
      const value = Number(afterLabels.trim().split(/\s+/)[0]);
      if (Number.isFinite(value)) totals.set(name, (totals.get(name) ?? 0) + value);
    }
  }
  return totals;
}

/** The /metrics URL beside an OpenAI base URL (`http://host:8000/v1` → `http://host:8000/metrics`). */
export function metricsUrlFor(baseURL: string): string {
  const url = new URL(baseURL);
  url.pathname = url.pathname.replace(/\/v1\/?$/, '') + '/metrics';
  return url.toString().replace(/([^:])\/\/+/g, '$1/');
}

/**
 * Scrapes the target's /metrics before, during (every `interval_ms`) and after a run. A target
 * without vLLM-style metrics (404, no known gauges) is simply not scraped again.
 */
export class ServerScraper {
  readonly samples: ServerSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private available = true;
  private stopped = false;
  private runStart_ms = performance.now();

  constructor(
    private readonly baseURL: string,
    private readonly interval_ms = 1000,
    private readonly apiKey?: string,
  ) {}

  /** Takes the "before" sample; resolves false when the target has no usable /metrics. */
  async start(runStart_ms: number): Promise<boolean> {
    this.runStart_ms = runStart_ms;
    await this.scrape();
    if (this.available) this.timer = setInterval(() => void this.scrape(), this.interval_ms);
    return this.available;
  }

  /** Takes the "after" sample and stops. */
  async stop(): Promise<ServerSample[]> {
    if (this.stopped) return this.samples;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.available) await this.scrape();
    return this.samples;
  }

  private async scrape(): Promise<void> {
    if (!this.available) return;
    const at = performance.now();
    try {
      const response = await request(metricsUrlFor(this.baseURL), {
        headers: this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {},
        headersTimeout: 5000,
        bodyTimeout: 5000,
      });
      const text = await response.body.text();
      const values = parsePrometheusSamples(text, GAUGE_NAMES);
      if (response.statusCode !== 200 || values.size === 0) {
        this.available = this.samples.length > 0; // a target that once answered may just be busy
        return;
      }
      const sample: ServerSample = { t_ms: at - this.runStart_ms, running: 0, waiting: 0, kv_cache_usage: 0 };
      for (const [name, value] of values) sample[GAUGES[name]] = value;
      this.samples.push(sample);
    } catch {
      if (this.samples.length === 0) this.available = false;
    }
  }
}

/** The scraped series in brief, for summary.json. */
export function summarizeServerSamples(samples: readonly ServerSample[]) {
  if (samples.length === 0) return undefined;
  const max = (key: keyof ServerSample) => Math.max(...samples.map((sample) => sample[key]));
  const mean = (key: keyof ServerSample) => samples.reduce((sum, sample) => sum + sample[key], 0) / samples.length;
  return {
    samples: samples.length,
    max_running: max('running'),
    max_waiting: max('waiting'),
    max_kv_cache_usage: max('kv_cache_usage'),
    mean_kv_cache_usage: mean('kv_cache_usage'),
  };
}
