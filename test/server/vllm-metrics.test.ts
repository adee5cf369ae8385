import OpenAI from 'openai';
import { startMock } from '../helpers/mock-server';
import type { RunningServer } from '../../server';

/**
 * vLLM's own metric declarations, written from vllm/v1/metrics/loggers.py (PrometheusStatLogger,
 * v0.11–0.12): name as exposed, type, label names, and histogram buckets. `_total` is what
 * prometheus_client appends to a Counter's name.
 */
const LATENCY_BUCKETS = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0];
const TOKEN_GAP_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0];
const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0];
const ENGINE = ['model_name', 'engine'];
const VLLM_METRICS: Array<{ name: string; type: 'gauge' | 'counter' | 'histogram'; labels: string[]; buckets?: number[] }> = [
  { name: 'vllm:num_requests_running', type: 'gauge', labels: ENGINE },
  { name: 'vllm:num_requests_waiting', type: 'gauge', labels: ENGINE },
  { name: 'vllm:kv_cache_usage_perc', type: 'gauge', labels: ENGINE },
  { name: 'vllm:cache_config_info', type: 'gauge', labels: [...ENGINE, 'block_size', 'num_gpu_blocks'] },
  { name: 'vllm:prefix_cache_queries_total', type: 'counter', labels: ENGINE },
  { name: 'vllm:prefix_cache_hits_total', type: 'counter', labels: ENGINE },
  { name: 'vllm:num_preemptions_total', type: 'counter', labels: ENGINE },
  { name: 'vllm:prompt_tokens_total', type: 'counter', labels: ENGINE },
  { name: 'vllm:generation_tokens_total', type: 'counter', labels: ENGINE },
  { name: 'vllm:request_success_total', type: 'counter', labels: [...ENGINE, 'finished_reason'] },
  { name: 'vllm:request_prompt_tokens', type: 'histogram', labels: ENGINE },
  { name: 'vllm:request_generation_tokens', type: 'histogram', labels: ENGINE },
  { name: 'vllm:iteration_tokens_total', type: 'histogram', labels: ENGINE, buckets: [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384] },
  { name: 'vllm:request_params_n', type: 'histogram', labels: ENGINE, buckets: [1, 2, 5, 10, 20] },
  { name: 'vllm:request_params_max_tokens', type: 'histogram', labels: ENGINE },
  { name: 'vllm:time_to_first_token_seconds', type: 'histogram', labels: ENGINE, buckets: TTFT_BUCKETS },
  { name: 'vllm:time_per_output_token_seconds', type: 'histogram', labels: ENGINE, buckets: TOKEN_GAP_BUCKETS },
  { name: 'vllm:inter_token_latency_seconds', type: 'histogram', labels: ENGINE, buckets: TOKEN_GAP_BUCKETS },
  { name: 'vllm:request_time_per_output_token_seconds', type: 'histogram', labels: ENGINE, buckets: TOKEN_GAP_BUCKETS },
  { name: 'vllm:e2e_request_latency_seconds', type: 'histogram', labels: ENGINE, buckets: LATENCY_BUCKETS },
  { name: 'vllm:request_queue_time_seconds', type: 'histogram', labels: ENGINE, buckets: LATENCY_BUCKETS },
  { name: 'vllm:request_inference_time_seconds', type: 'histogram', labels: ENGINE, buckets: LATENCY_BUCKETS },
  { name: 'vllm:request_prefill_time_seconds', type: 'histogram', labels: ENGINE, buckets: LATENCY_BUCKETS },
  { name: 'vllm:request_decode_time_seconds', type: 'histogram', labels: ENGINE, buckets: LATENCY_BUCKETS },
  // Newer vLLM: the Grafana dashboard's "Max Generation Token in Sequence Group", and prefill/cache accounting.
  { name: 'vllm:request_max_num_generation_tokens', type: 'histogram', labels: ENGINE },
  { name: 'vllm:request_prefill_kv_computed_tokens', type: 'histogram', labels: ENGINE },
  { name: 'vllm:prompt_tokens_cached_total', type: 'counter', labels: ENGINE },
  { name: 'vllm:prompt_tokens_by_source_total', type: 'counter', labels: [...ENGINE, 'source'] },
  { name: 'vllm:num_requests_waiting_by_reason', type: 'gauge', labels: [...ENGINE, 'reason'] },
];

let mock: RunningServer;
let exposition: string;

beforeAll(async () => {
  mock = await startMock({ profiles: ['llama-3.1-8b-h100'] });
  const client = new OpenAI({ baseURL: mock.baseURL, apiKey: 'unused', maxRetries: 0 });
  await Promise.all([1, 2, 3].map(() => client.chat.completions.create({ model: 'llama-3.1-8b', messages: [{ role: 'user', content: 'hello' }], max_tokens: 5, stream: true }).then(async (stream) => {
    for await (const _ of stream) void _;
  })));
  exposition = await (await fetch(`${mock.url}/metrics`)).text();
});
afterAll(() => mock.close());

/** Label names on a metric's sample lines (histograms: the _bucket lines, without `le`). */
function sampleLabels(name: string, type: string): { labels: Set<string>; le: number[] } {
  const sampleName = type === 'histogram' ? `${name}_bucket` : name;
  const lines = exposition.split('\n').filter((line) => line.startsWith(`${sampleName}{`));
  const labels = new Set<string>();
  const le: number[] = [];
  for (const line of lines) {
    for (const [, key, value] of line.slice(line.indexOf('{') + 1, line.lastIndexOf('}')).matchAll(/([a-zA-Z_]+)="([^"]*)"/g)) {
      if (key === 'le') le.push(value === '+Inf' ? Infinity : Number(value));
      else labels.add(key);
    }
  }
  return { labels, le };
}

test.each(VLLM_METRICS)('$name is exported with vLLM\'s type, labels and buckets', ({ name, type, labels, buckets }) => {
  expect(exposition).toContain(`# TYPE ${name} ${type}`);
  const seen = sampleLabels(name, type);
  expect([...seen.labels].sort()).toEqual([...labels].sort());
  if (buckets) expect([...new Set(seen.le)].sort((a, b) => a - b)).toEqual([...buckets, Infinity]);
});

test('request_success counts finished requests by finished_reason, engine "0"', () => {
  expect(exposition).toMatch(/vllm:request_success_total\{model_name="llama-3.1-8b",engine="0",finished_reason="length"\} 3/);
});

test("the newer series carry vLLM's label values, and add up as vLLM's do", () => {
  const value = (pattern: RegExp) => Number(pattern.exec(exposition)?.[1]);
  for (const source of ['local_compute', 'local_cache_hit', 'external_kv_transfer']) expect(exposition).toContain(`source="${source}"`);
  for (const reason of ['capacity', 'deferred']) expect(exposition).toContain(`reason="${reason}"`);
  // Three requests of five tokens each: the group maximum is 5 every time; every prompt token was computed.
  expect(value(/vllm:request_max_num_generation_tokens_sum\{[^}]*\} (\d+)/)).toBe(15);
  expect(value(/vllm:request_max_num_generation_tokens_count\{[^}]*\} (\d+)/)).toBe(3);
  const prompt = value(/vllm:prompt_tokens_total\{[^}]*\} (\d+)/);
  expect(value(/vllm:prompt_tokens_by_source_total\{[^}]*source="local_compute"[^}]*\} (\d+)/)).toBe(prompt);
  expect(value(/vllm:request_prefill_kv_computed_tokens_sum\{[^}]*\} (\d+)/)).toBe(prompt);
  expect(value(/vllm:prompt_tokens_cached_total\{[^}]*\} (\d+)/)).toBe(0);
});
