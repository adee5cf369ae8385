import { setImmediate as nextTurn } from 'node:timers/promises';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { BoundCounter, BoundHistogram, type CounterSeries, type HistogramSeries } from './bound-metrics';
import { replicaNames, type EngineStats } from '../engine/types';

/** vLLM's 1-2-5 bucket series up to `max` (vllm/v1/metrics/loggers.py, build_1_2_5_buckets). */
export function build125Buckets(max: number): number[] {
  const buckets: number[] = [];
  for (let exponent = 0; ; exponent++) {
    for (const mantissa of [1, 2, 5]) {
      const value = mantissa * 10 ** exponent;
      if (value > max) return buckets;
      buckets.push(value);
    }
  }
}

// Bucket boundaries as vLLM declares them (vllm/v1/metrics/loggers.py), so its dashboards read ours.
export const VLLM_TTFT_BUCKETS_S = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0];
export const VLLM_ITL_BUCKETS_S = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0];
export const VLLM_REQUEST_LATENCY_BUCKETS_S = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0];
const SUB_MS_BUCKETS_S = [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
// Finer between 1 and 5 ms, where a pacing goal of 2 ms is judged: a p99 read from the 2–5 ms bucket
// alone is an interpolation across 3 ms.
const WRITE_LAG_BUCKETS_S = [...SUB_MS_BUCKETS_S, 0.00075, 0.0015, 0.0025, 0.003, 0.004].sort((a, b) => a - b);

/** Per-request timings the HTTP layer observes, in seconds. */
export interface RequestObservation {
  model: string;
  finishReason: string;
  promptTokens: number;
  /** Of them, found in the prefix cache (their prefill was skipped); 0 when absent. */
  cachedTokens?: number;
  generationTokens: number;
  /** The most tokens any one choice generated (vLLM's max over the sequence group). */
  maxChoiceGenerationTokens: number;
  maxTokens?: number;
  n: number;
  queue_s: number;
  ttft_s?: number;
  prefill_s?: number;
  decode_s?: number;
  e2e_s: number;
}

/** A model's bound histogram series (see `ServerMetrics.forModel`). */
export interface ModelSeries {
  labels: { model_name: string; engine: string };
  promptTokens: CounterSeries;
  generationTokens: CounterSeries;
  ttft: HistogramSeries;
  itl: HistogramSeries;
  tpot: HistogramSeries;
  requestTpot: HistogramSeries;
  e2e: HistogramSeries;
  queueTime: HistogramSeries;
  inferenceTime: HistogramSeries;
  prefillTime: HistogramSeries;
  decodeTime: HistogramSeries;
  requestPromptTokens: HistogramSeries;
  requestGenerationTokens: HistogramSeries;
  requestMaxTokens: HistogramSeries;
  requestMaxGenerationTokens: HistogramSeries;
  requestPrefillKvComputed: HistogramSeries;
  promptTokensCached: CounterSeries;
  promptTokensComputed: CounterSeries;
  requestN: HistogramSeries;
  iterationTokens: HistogramSeries;
  stepDuration: HistogramSeries;
}

/**
 * The mock's Prometheus metrics on its own Registry: vLLM's names, types, buckets and `model_name`
 * label where vLLM has the metric, `tokenbench_` for the rest.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  /** vLLM labels every metric with the served model and the engine index (we run one engine per model: "0"). */
  private readonly label = ['model_name', 'engine'] as const;
  private readonly modelLabel = ['model_name'] as const;

  readonly running = new Gauge({ name: 'vllm:num_requests_running', help: 'Number of requests in model execution batches.', labelNames: this.label, registers: [this.registry] });
  readonly waiting = new Gauge({ name: 'vllm:num_requests_waiting', help: 'Number of requests waiting to be processed.', labelNames: this.label, registers: [this.registry] });
  readonly kvUsage = new Gauge({ name: 'vllm:kv_cache_usage_perc', help: 'KV-cache usage. 1 means 100 percent usage.', labelNames: this.label, registers: [this.registry] });
  readonly cacheConfig = new Gauge({ name: 'vllm:cache_config_info', help: 'Information of the LLMEngine CacheConfig', labelNames: ['model_name', 'engine', 'block_size', 'num_gpu_blocks'], registers: [this.registry] });
  readonly promptTokens = new BoundCounter('vllm:prompt_tokens_total', 'Number of prefill tokens processed.', this.label, this.registry);
  readonly generationTokens = new BoundCounter('vllm:generation_tokens_total', 'Number of generation tokens processed.', this.label, this.registry);
  readonly requestSuccess = new BoundCounter('vllm:request_success_total', 'Count of successfully processed requests.', ['model_name', 'engine', 'finished_reason'], this.registry);
  readonly prefixCacheQueries = new Counter({ name: 'vllm:prefix_cache_queries_total', help: 'Prefix cache queries, in terms of number of queried tokens.', labelNames: this.label, registers: [this.registry] });
  readonly prefixCacheHits = new Counter({ name: 'vllm:prefix_cache_hits_total', help: 'Prefix cache hits, in terms of number of cached tokens.', labelNames: this.label, registers: [this.registry] });
  readonly ttft = this.histogram('vllm:time_to_first_token_seconds', 'Histogram of time to first token in seconds.', VLLM_TTFT_BUCKETS_S);
  readonly itl = this.histogram('vllm:inter_token_latency_seconds', 'Histogram of inter-token latency in seconds.', VLLM_ITL_BUCKETS_S);
  readonly tpot = this.histogram('vllm:time_per_output_token_seconds', 'Histogram of time per output token in seconds.', VLLM_ITL_BUCKETS_S);
  readonly requestTpot = this.histogram('vllm:request_time_per_output_token_seconds', 'Histogram of time_per_output_token_seconds per request.', VLLM_ITL_BUCKETS_S);
  readonly e2e = this.histogram('vllm:e2e_request_latency_seconds', 'Histogram of e2e request latency in seconds.', VLLM_REQUEST_LATENCY_BUCKETS_S);
  readonly queueTime = this.histogram('vllm:request_queue_time_seconds', 'Histogram of time spent in WAITING phase for request.', VLLM_REQUEST_LATENCY_BUCKETS_S);
  readonly inferenceTime = this.histogram('vllm:request_inference_time_seconds', 'Histogram of time spent in RUNNING phase for request.', VLLM_REQUEST_LATENCY_BUCKETS_S);
  readonly prefillTime = this.histogram('vllm:request_prefill_time_seconds', 'Histogram of time spent in PREFILL phase for request.', VLLM_REQUEST_LATENCY_BUCKETS_S);
  readonly decodeTime = this.histogram('vllm:request_decode_time_seconds', 'Histogram of time spent in DECODE phase for request.', VLLM_REQUEST_LATENCY_BUCKETS_S);
  readonly requestPromptTokens = this.histogram('vllm:request_prompt_tokens', 'Number of prefill tokens processed.', build125Buckets(1_000_000));
  readonly requestGenerationTokens = this.histogram('vllm:request_generation_tokens', 'Number of generation tokens processed.', build125Buckets(1_000_000));
  readonly requestMaxTokens = this.histogram('vllm:request_params_max_tokens', 'Histogram of the max_tokens request parameter.', build125Buckets(1_000_000));
  // Newer vLLM (v1 loggers.py): the group's longest generation, prefill KV actually computed, and
  // prompt tokens by where their KV came from. Without a prefix cache nothing is cached or transferred.
  readonly requestMaxGenerationTokens = this.histogram('vllm:request_max_num_generation_tokens', 'Histogram of maximum number of requested generation tokens.', build125Buckets(1_000_000));
  readonly requestPrefillKvComputed = this.histogram('vllm:request_prefill_kv_computed_tokens', 'Histogram of new KV tokens computed during prefill (excluding cached tokens).', build125Buckets(1_000_000));
  readonly promptTokensCached = new BoundCounter('vllm:prompt_tokens_cached_total', 'Number of cached prompt tokens (local + external).', this.label, this.registry);
  readonly promptTokensBySource = new BoundCounter('vllm:prompt_tokens_by_source_total', 'Number of prompt tokens by source.', ['model_name', 'engine', 'source'], this.registry);
  readonly waitingByReason = new Gauge({
    name: 'vllm:num_requests_waiting_by_reason',
    help: "Number of waiting requests by reason. Reason labels: 'capacity' = waiting for scheduling capacity; 'deferred' = deferred by transient constraints (LoRA budget, KV transfer, blocked status). Sum of all reasons equals vllm:num_requests_waiting.",
    labelNames: ['model_name', 'engine', 'reason'],
    registers: [this.registry],
  });

  readonly batchSize = new Gauge({ name: 'tokenbench_batch_size', help: 'Sequences in the last engine step.', labelNames: this.modelLabel, registers: [this.registry] });
  readonly stepTime = new Gauge({ name: 'tokenbench_step_seconds', help: 'Duration of the last engine step in seconds.', labelNames: this.modelLabel, registers: [this.registry] });
  readonly kvBlocksUsed = new Gauge({ name: 'tokenbench_kv_blocks_used', help: 'KV cache blocks in use.', labelNames: this.modelLabel, registers: [this.registry] });
  readonly kvBlocksFree = new Gauge({ name: 'tokenbench_kv_blocks_free', help: 'KV cache blocks free.', labelNames: this.modelLabel, registers: [this.registry] });
  readonly stepDuration = new BoundHistogram('tokenbench_step_duration_seconds', 'Engine iteration (batch step) durations in seconds.', SUB_MS_BUCKETS_S.concat([2.5, 5, 10]), this.modelLabel, this.registry);
  readonly preemptions = new Counter({ name: 'vllm:num_preemptions_total', help: 'Cumulative number of preemption from the engine.', labelNames: this.label, registers: [this.registry] });
  readonly iterationTokens = this.histogram('vllm:iteration_tokens_total', 'Histogram of number of tokens per engine_step.', [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384]);
  readonly requestN = this.histogram('vllm:request_params_n', 'Histogram of the n request parameter.', [1, 2, 5, 10, 20]);
  private readonly preemptionsSeen = new Map<string, number>();
  private readonly prefixCacheSeen = new Map<string, { queries: number; hits: number }>();
  readonly profileInfo = new Gauge({ name: 'tokenbench_profile_info', help: 'The latency profile serving each model.', labelNames: ['model_name', 'profile', 'kind'], registers: [this.registry] });
  readonly faults = new Counter({ name: 'tokenbench_faults_injected_total', help: 'Faults injected on purpose, by kind.', labelNames: ['model_name', 'fault'], registers: [this.registry] });
  readonly rejected = new Counter({ name: 'tokenbench_requests_rejected_total', help: 'Requests answered with an error, by HTTP status.', labelNames: ['status'], registers: [this.registry] });
  readonly cancelled = new Counter({ name: 'tokenbench_requests_cancelled_total', help: 'Requests whose client disconnected before the end.', labelNames: this.modelLabel, registers: [this.registry] });
  readonly writeLag = new BoundHistogram('tokenbench_token_write_lag_seconds', 'Delay between a token being due and its write to the socket.', WRITE_LAG_BUCKETS_S, [], this.registry).labels({});
  private readonly perModel = new Map<string, ModelSeries>();
  // Registered on the first scrape with adapters, as vLLM registers it only with LoRA configured.
  private loraInfo: Gauge<'max_lora' | 'waiting_lora_adapters' | 'running_lora_adapters'> | undefined;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'tokenbench_' }); // tokenbench_process_cpu_seconds_total, tokenbench_nodejs_eventloop_lag_seconds, ...
  }

  /**
   * The exposition text, as `registry.metrics()` writes it, rendered one metric per turn of the event
   * loop: rendered in one go it held the loop for 1.2–4.9 ms, and at 1,000 open streams a scrape made
   * 400–1,000 tokens late (`npm run bench:server`, a probe in the clock). Now no turn takes over 0.6 ms.
   */
  async exposition(): Promise<string> {
    const texts: string[] = [];
    for (const metric of this.registry.getMetricsAsArray()) {
      texts.push(await this.registry.getSingleMetricAsString(metric.name));
      await nextTurn();
    }
    return `${texts.join('\n\n')}\n`;
  }

  private histogram(name: string, help: string, buckets: number[]): BoundHistogram<'model_name' | 'engine'> {
    return new BoundHistogram(name, help, buckets, this.label, this.registry);
  }

  /** Every per-model series, bound once, so the token path observes without label lookups. */
  forModel(model: string): ModelSeries {
    let series = this.perModel.get(model);
    if (!series) {
      const labels = this.labelsFor(model);
      series = {
        labels,
        promptTokens: this.promptTokens.labels(labels),
        generationTokens: this.generationTokens.labels(labels),
        ttft: this.ttft.labels(labels),
        itl: this.itl.labels(labels),
        tpot: this.tpot.labels(labels),
        requestTpot: this.requestTpot.labels(labels),
        e2e: this.e2e.labels(labels),
        queueTime: this.queueTime.labels(labels),
        inferenceTime: this.inferenceTime.labels(labels),
        prefillTime: this.prefillTime.labels(labels),
        decodeTime: this.decodeTime.labels(labels),
        requestPromptTokens: this.requestPromptTokens.labels(labels),
        requestGenerationTokens: this.requestGenerationTokens.labels(labels),
        requestMaxTokens: this.requestMaxTokens.labels(labels),
        requestMaxGenerationTokens: this.requestMaxGenerationTokens.labels(labels),
        requestPrefillKvComputed: this.requestPrefillKvComputed.labels(labels),
        promptTokensCached: this.promptTokensCached.labels(labels),
        promptTokensComputed: this.promptTokensBySource.labels({ ...labels, source: 'local_compute' }),
        requestN: this.requestN.labels(labels),
        iterationTokens: this.iterationTokens.labels(labels),
        stepDuration: this.stepDuration.labels({ model_name: model }),
      };
      // vLLM exports every finished reason from the start, at 0.
      for (const finished_reason of ['stop', 'length', 'abort']) this.requestSuccess.labels({ ...labels, finished_reason });
      for (const source of ['local_cache_hit', 'external_kv_transfer']) this.promptTokensBySource.labels({ ...labels, source });
      this.perModel.set(model, series);
    }
    return series;
  }

  /** vLLM's label set for a model. */
  labelsFor(model: string): { model_name: string; engine: string } {
    return { model_name: model, engine: '0' };
  }

  /** One engine iteration: its token count (vLLM's iteration histogram) and duration. */
  observeStep(model: string, tokens: number, step_s: number): void {
    const series = this.forModel(model);
    series.iterationTokens.observe(tokens);
    series.stepDuration.observe(step_s);
  }

  observeRequest(observation: RequestObservation): void {
    const series = this.forModel(observation.model);
    series.promptTokens.inc(observation.promptTokens);
    series.generationTokens.inc(observation.generationTokens);
    this.requestSuccess.labels({ model_name: observation.model, engine: '0', finished_reason: observation.finishReason }).inc();
    series.requestN.observe(observation.n);
    series.requestPromptTokens.observe(observation.promptTokens);
    series.requestGenerationTokens.observe(observation.generationTokens);
    series.requestMaxGenerationTokens.observe(observation.maxChoiceGenerationTokens);
    const cached = observation.cachedTokens ?? 0;
    series.requestPrefillKvComputed.observe(observation.promptTokens - cached);
    series.promptTokensComputed.inc(observation.promptTokens - cached);
    series.promptTokensCached.inc(cached);
    this.promptTokensBySource.labels({ ...this.labelsFor(observation.model), source: 'local_cache_hit' }).inc(cached);
    if (observation.maxTokens !== undefined) series.requestMaxTokens.observe(observation.maxTokens);
    series.e2e.observe(observation.e2e_s);
    series.queueTime.observe(observation.queue_s);
    series.inferenceTime.observe(Math.max(0, observation.e2e_s - observation.queue_s));
    if (observation.ttft_s !== undefined) series.ttft.observe(observation.ttft_s);
    if (observation.prefill_s !== undefined) series.prefillTime.observe(observation.prefill_s);
    if (observation.decode_s !== undefined) {
      series.decodeTime.observe(observation.decode_s);
      if (observation.generationTokens > 1) series.requestTpot.observe(observation.decode_s / (observation.generationTokens - 1));
    }
  }

  /** vLLM's `vllm:lora_requests_info`: one series, its labels the adapters running and waiting, its value the time. */
  updateLora(maxLora: number, stats: EngineStats[]): void {
    this.loraInfo ??= new Gauge({ name: 'vllm:lora_requests_info', help: 'Running stats on lora requests.', labelNames: ['max_lora', 'waiting_lora_adapters', 'running_lora_adapters'], registers: [this.registry] });
    const join = (names: string[][]) => [...new Set(names.flat())].sort().join(',');
    this.loraInfo.reset();
    this.loraInfo.set(
      { max_lora: String(maxLora), waiting_lora_adapters: join(stats.map((engine) => engine.waitingAdapters)), running_lora_adapters: join(stats.map((engine) => engine.runningAdapters)) },
      Date.now() / 1000,
    );
  }

  /** Copies an engine's gauges in, just before a scrape: per replica under vLLM's `engine` label when it has several. */
  updateEngine(model: string, stats: EngineStats): void {
    const ours = { model_name: model };
    this.batchSize.set(ours, stats.lastBatchSize);
    this.stepTime.set(ours, stats.lastStep_ms / 1000);
    this.kvBlocksUsed.set(ours, stats.kvBlocksUsed);
    this.kvBlocksFree.set(ours, Math.max(0, stats.kvBlocksTotal - stats.kvBlocksUsed));
    if (!stats.replicas) return this.updateReplica(model, '0', stats);
    const names = replicaNames(stats.replicas);
    stats.replicas.forEach((replica, index) => this.updateReplica(model, names[index], replica));
  }

  private updateReplica(model: string, engine: string, stats: EngineStats): void {
    const labels = { model_name: model, engine };
    const key = `${model}\u0000${engine}`;
    this.running.set(labels, stats.running);
    this.waiting.set(labels, stats.waiting);
    // Every waiting request waits for a seat or KV blocks; nothing here defers one.
    this.waitingByReason.set({ ...labels, reason: 'capacity' }, stats.waiting);
    this.waitingByReason.set({ ...labels, reason: 'deferred' }, 0);
    this.kvUsage.set(labels, stats.kvCacheUsage);
    // The engine keeps running totals; the counters advance by what is new since the last scrape
    // (0 without a prefix cache, exported from the start as vLLM does).
    this.preemptions.inc(labels, stats.preemptions - (this.preemptionsSeen.get(key) ?? 0));
    this.preemptionsSeen.set(key, stats.preemptions);
    const seen = this.prefixCacheSeen.get(key) ?? { queries: 0, hits: 0 };
    this.prefixCacheQueries.inc(labels, stats.prefixCacheQueries - seen.queries);
    this.prefixCacheHits.inc(labels, stats.prefixCacheHits - seen.hits);
    this.prefixCacheSeen.set(key, { queries: stats.prefixCacheQueries, hits: stats.prefixCacheHits });
    this.cacheConfig.set({ ...labels, block_size: String(stats.blockSize), num_gpu_blocks: String(stats.kvBlocksTotal) }, 1);
  }
}
