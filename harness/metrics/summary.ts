import { summarize } from './percentiles';
import type { RequestRecord } from '../types/record';
import type { MetricSummary, RunSummary, Slo } from '../types/run';



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

/** vLLM's benchmark metrics over the successful requests (docs/DESIGN.md §3). */
export function summarizeRun(records: RequestRecord[], duration_s: number, slo?: Slo): RunSummary {
  const ok = records.filter((record) => record.ok);
  const errors: Record<string, number> = {};
  for (const record of records) if (!record.ok) errors[record.error ?? 'unknown'] = (errors[record.error ?? 'unknown'] ?? 0) + 1;
  const inputTokens = ok.reduce((sum, record) => sum + record.prompt_tokens, 0);
  const outputTokens = ok.reduce((sum, record) => sum + record.output_tokens, 0);
  const tpots = ok.map(tpotOf).filter((value): value is number => value !== undefined);
  const summary: RunSummary = {
    completed: ok.length,
    failed: records.length - ok.length,
    duration_s,
    request_throughput: ok.length / duration_s,
    output_throughput: outputTokens / duration_s,
    total_token_throughput: (inputTokens + outputTokens) / duration_s,
    total_input_tokens: inputTokens,
    total_output_tokens: outputTokens,
    ttft_ms: summarize(ok.map((record) => record.ttft_ms!)),
    tpot_ms: summarize(tpots),
    itl_ms: summarize(ok.flatMap((record) => record.itl_ms)),
    e2el_ms: summarize(ok.map((record) => record.e2el_ms!)),
    chunk_gap_ms: summarize(ok.flatMap((record) => record.chunk_gaps_ms)),
    send_lag_ms: summarize(records.map((record) => record.sent_ms - record.scheduled_ms)),
    errors,
  };
  if (slo && Object.keys(slo).length > 0) {
    const good = ok.filter((record) => meetsSlo(record, slo));
    summary.goodput = good.length / duration_s;
    summary.slo_attainment = records.length ? good.length / records.length : 0;
  }
  return summary;
}
