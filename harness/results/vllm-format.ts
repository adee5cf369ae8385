import type { RequestRecord } from '../types/record';
import type { MetricSummary, RunInfo, RunSummary, VllmLoadSettings } from '../types/run';


function metricFields(name: string, summary: MetricSummary): Record<string, number> {
  return {
    [`mean_${name}_ms`]: summary.mean,
    [`median_${name}_ms`]: summary.median,
    [`std_${name}_ms`]: summary.std,
    [`p90_${name}_ms`]: summary.p90,
    [`p95_${name}_ms`]: summary.p95,
    [`p99_${name}_ms`]: summary.p99,
  };
}

/**
 * The result JSON of vLLM's `bench serve` (`--save-result`), field for field, so tools written for it
 * read tokenbench runs. vLLM keeps per-request TTFT and ITL in seconds; so does this file.
 */
export function toVllmResult(info: RunInfo, records: RequestRecord[], summary: RunSummary, load: VllmLoadSettings): Record<string, unknown> {
  return {
    date: info.started_at.replace(/[-:]/g, '').replace('T', '-').slice(0, 15),
    backend: 'openai-chat',
    model_id: info.model,
    tokenizer_id: info.model,
    num_prompts: records.length,
    request_rate: load.request_rate,
    burstiness: load.burstiness,
    max_concurrency: load.max_concurrency,
    duration: summary.duration_s,
    completed: summary.completed,
    total_input_tokens: summary.total_input_tokens,
    total_output_tokens: summary.total_output_tokens,
    request_throughput: summary.request_throughput,
    request_goodput: summary.goodput ?? null,
    output_throughput: summary.output_throughput,
    total_token_throughput: summary.total_token_throughput,
    input_lens: records.map((record) => record.prompt_tokens),
    output_lens: records.map((record) => record.output_tokens),
    ttfts: records.map((record) => (record.ttft_ms ?? 0) / 1000),
    itls: records.map((record) => record.itl_ms.map((gap) => gap / 1000)),
    generated_texts: records.map(() => ''),
    errors: records.map((record) => record.error ?? ''),
    ...metricFields('ttft', summary.ttft_ms),
    ...metricFields('tpot', summary.tpot_ms),
    ...metricFields('itl', summary.itl_ms),
    ...metricFields('e2el', summary.e2el_ms),
  };
}
