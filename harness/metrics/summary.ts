import { MetricAccumulator } from './metric-accumulator';
import type { RequestRecord } from '../types/record';
import type { RunSummary, Slo } from '../types/run';

/** Whether a finished request met every SLO given (goodput counts these); `tpot` may be passed when known. */
export function meetsSlo(record: RequestRecord, slo: Slo, tpot = tpotOf(record)): boolean {
  return (
    (slo.ttft_ms === undefined || (record.ttft_ms ?? Infinity) <= slo.ttft_ms) &&
    (slo.tpot_ms === undefined || (tpot ?? 0) <= slo.tpot_ms) &&
    (slo.e2el_ms === undefined || (record.e2el_ms ?? Infinity) <= slo.e2el_ms)
  );
}

/** TPOT per vLLM: (e2el − ttft) / (output_tokens − 1), for requests with more than one token. */
export function tpotOf(record: RequestRecord): number | undefined {
  if (!record.ok || record.ttft_ms === null || record.e2el_ms === null || record.output_tokens <= 1) return undefined;
  return (record.e2el_ms - record.ttft_ms) / (record.output_tokens - 1);
}

/**
 * vLLM's benchmark metrics (docs/DESIGN.md §3), accumulated one record at a time so a run of any
 * length summarises in bounded memory (exact percentiles up to EXACT_VALUES_LIMIT values a metric).
 */
export class RunAccumulator {
  private readonly metrics = {
    ttft_ms: new MetricAccumulator(),
    tpot_ms: new MetricAccumulator(),
    itl_ms: new MetricAccumulator(),
    e2el_ms: new MetricAccumulator(),
    chunk_gap_ms: new MetricAccumulator(),
    send_lag_ms: new MetricAccumulator(),
    ttft_from_scheduled_ms: new MetricAccumulator(),
    e2el_from_scheduled_ms: new MetricAccumulator(),
  };
  private completed = 0;
  private failed = 0;
  private good = 0;
  private inputTokens = 0;
  private outputTokens = 0;
  /** Prompt tokens of requests whose endpoint reported its cache, and those it found cached. */
  private reportedCacheTokens = 0;
  private cachedTokens = 0;
  private readonly errors: Record<string, number> = {};
  private readonly errorMessages: Record<string, string> = {};

  constructor(private readonly slo?: Slo) {}

  get count(): number {
    return this.completed + this.failed;
  }

  add(record: RequestRecord): void {
    const lag_ms = record.sent_ms - record.scheduled_ms;
    this.metrics.send_lag_ms.add(lag_ms);
    if (!record.ok) {
      this.failed++;
      const kind = record.error ?? 'unknown';
      this.errors[kind] = (this.errors[kind] ?? 0) + 1;
      if (record.error_message && !(kind in this.errorMessages)) this.errorMessages[kind] = record.error_message;
      return;
    }
    this.completed++;
    this.inputTokens += record.prompt_tokens;
    this.outputTokens += record.output_tokens;
    if (record.cached_tokens !== undefined) {
      this.reportedCacheTokens += record.prompt_tokens;
      this.cachedTokens += record.cached_tokens;
    }
    const tpot = tpotOf(record);
    this.metrics.ttft_ms.add(record.ttft_ms!);
    this.metrics.e2el_ms.add(record.e2el_ms!);
    // The coordinated-omission view: what a user who arrived on schedule waited, the client's lateness included.
    this.metrics.ttft_from_scheduled_ms.add(record.ttft_ms! + lag_ms);
    this.metrics.e2el_from_scheduled_ms.add(record.e2el_ms! + lag_ms);
    if (tpot !== undefined) this.metrics.tpot_ms.add(tpot);
    // Compact records (calibration fixtures, other tools' files) may leave the per-token arrays out.
    for (const gap of record.itl_ms ?? []) this.metrics.itl_ms.add(gap);
    for (const gap of record.chunk_gaps_ms ?? []) this.metrics.chunk_gap_ms.add(gap);
    if (this.slo && meetsSlo(record, this.slo, tpot)) this.good++;
  }

  /** Whether any percentile comes from a histogram rather than every value. */
  get approximate(): boolean {
    return Object.values(this.metrics).some((metric) => metric.approximate);
  }

  summary(duration_s: number): RunSummary {
    const summary: RunSummary = {
      completed: this.completed,
      failed: this.failed,
      duration_s,
      request_throughput: this.completed / duration_s,
      output_throughput: this.outputTokens / duration_s,
      total_token_throughput: (this.inputTokens + this.outputTokens) / duration_s,
      total_input_tokens: this.inputTokens,
      total_output_tokens: this.outputTokens,
      ttft_ms: this.metrics.ttft_ms.summary(),
      tpot_ms: this.metrics.tpot_ms.summary(),
      itl_ms: this.metrics.itl_ms.summary(),
      e2el_ms: this.metrics.e2el_ms.summary(),
      chunk_gap_ms: this.metrics.chunk_gap_ms.summary(),
      send_lag_ms: this.metrics.send_lag_ms.summary(),
      ttft_from_scheduled_ms: this.metrics.ttft_from_scheduled_ms.summary(),
      e2el_from_scheduled_ms: this.metrics.e2el_from_scheduled_ms.summary(),
      errors: { ...this.errors },
      ...(Object.keys(this.errorMessages).length ? { error_messages: { ...this.errorMessages } } : {}),
      ...(this.reportedCacheTokens > 0 ? { cached_prompt_tokens: this.cachedTokens, prefix_cache_hit_rate: this.cachedTokens / this.reportedCacheTokens } : {}),
      ...(this.approximate ? { percentiles: 'hdr-histogram' as const } : {}),
    };
    if (this.slo && Object.keys(this.slo).length > 0) {
      summary.goodput = this.good / duration_s;
      summary.slo_attainment = this.count ? this.good / this.count : 0;
    }
    return summary;
  }
}

/** vLLM's benchmark metrics over the successful requests of a finished run (docs/DESIGN.md §3). */
export function summarizeRun(records: readonly RequestRecord[], duration_s: number, slo?: Slo): RunSummary {
  const accumulator = new RunAccumulator(slo);
  for (const record of records) accumulator.add(record);
  return accumulator.summary(duration_s);
}
