import { dashboard, quantiles, stat, timeseries } from './common';

/** "Mock server": what the mock (or any vLLM) is doing, per model: load, KV cache, latency, batching, faults. */
export function mockServerDashboard() {
  return dashboard('tokenbench-mock-server', 'tokenbench — Mock server', 'Load, KV cache, latency and batching per served model (vLLM metric names, so a vLLM server shows here too).')
    .withPanel(stat('Requests running', 'short', { expr: 'sum(vllm:num_requests_running)', legend: 'running' }))
    .withPanel(stat('Requests waiting', 'short', { expr: 'sum(vllm:num_requests_waiting)', legend: 'waiting' }))
    .withPanel(stat('KV cache usage', 'percentunit', { expr: 'max(vllm:kv_cache_usage_perc)', legend: 'KV' }))
    .withPanel(stat('Output tokens/s', 'short', { expr: 'sum(rate(vllm:generation_tokens_total[$__rate_interval]))', legend: 'tokens/s' }))
    .withPanel(
      timeseries('Requests running and waiting', 'short', [
        { expr: 'sum by (model_name) (vllm:num_requests_running)', legend: 'running {{model_name}}' },
        { expr: 'sum by (model_name) (vllm:num_requests_waiting)', legend: 'waiting {{model_name}}' },
      ]),
    )
    .withPanel(
      timeseries('KV cache', 'percentunit', [{ expr: 'max by (model_name) (vllm:kv_cache_usage_perc)', legend: 'usage {{model_name}}' }], 'Share of KV blocks in use; near 1, new requests wait and running ones get preempted.'),
    )
    .withPanel(timeseries('Time to first token', 's', quantiles('vllm:time_to_first_token_seconds', 'model_name', 'TTFT ')))
    .withPanel(timeseries('Inter-token latency', 's', quantiles('vllm:inter_token_latency_seconds', 'model_name', 'ITL ')))
    .withPanel(timeseries('End-to-end latency', 's', quantiles('vllm:e2e_request_latency_seconds', 'model_name', 'E2E ')))
    .withPanel(timeseries('Queue time', 's', quantiles('vllm:request_queue_time_seconds', 'model_name', 'queue ', [0.5, 0.99])))
    .withPanel(
      timeseries('Token throughput', 'short', [
        { expr: 'sum by (model_name) (rate(vllm:prompt_tokens_total[$__rate_interval]))', legend: 'prompt {{model_name}}' },
        { expr: 'sum by (model_name) (rate(vllm:generation_tokens_total[$__rate_interval]))', legend: 'generation {{model_name}}' },
      ]),
    )
    .withPanel(
      timeseries('Finished requests', 'reqps', [{ expr: 'sum by (model_name, finished_reason) (rate(vllm:request_success_total[$__rate_interval]))', legend: '{{finished_reason}} {{model_name}}' }]),
    )
    .withPanel(
      timeseries('Batch', 'short', [
        { expr: 'max by (model_name) (tokenbench_batch_size)', legend: 'sequences {{model_name}}' },
        { expr: 'histogram_quantile(0.5, sum by (le, model_name) (rate(vllm:iteration_tokens_total_bucket[$__rate_interval])))', legend: 'tokens per step p50 {{model_name}}' },
      ], 'Sequences in the last engine iteration, and tokens per iteration.'),
    )
    .withPanel(timeseries('Engine step time', 's', quantiles('tokenbench_step_duration_seconds', 'model_name', 'step ', [0.5, 0.99])))
    .withPanel(
      timeseries('KV blocks and preemptions', 'short', [
        { expr: 'sum by (model_name) (tokenbench_kv_blocks_used)', legend: 'used {{model_name}}' },
        { expr: 'sum by (model_name) (tokenbench_kv_blocks_free)', legend: 'free {{model_name}}' },
        { expr: 'sum by (model_name) (rate(vllm:num_preemptions_total[$__rate_interval]))', legend: 'preemptions/s {{model_name}}' },
      ]),
    )
    .withPanel(
      timeseries('Injected faults and rejections', 'reqps', [
        { expr: 'sum by (fault) (rate(tokenbench_faults_injected_total[$__rate_interval]))', legend: 'fault {{fault}}' },
        { expr: 'sum by (status) (rate(tokenbench_requests_rejected_total[$__rate_interval]))', legend: 'HTTP {{status}}' },
      ]),
    )
    .withPanel(stat('Profile', 'none', { expr: 'tokenbench_profile_info', legend: '{{model_name}}: {{profile}} ({{kind}})' }))
    .build();
}
