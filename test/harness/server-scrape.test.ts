import { metricsUrlFor, parsePrometheusSamples, summarizeServerSamples } from '../../harness/telemetry/server-scrape';

test('gauges are summed over label sets; comments and longer names that start the same are skipped', () => {
  const text = [
    '# HELP vllm:num_requests_running Number of requests in model execution batches.',
    '# TYPE vllm:num_requests_running gauge',
    'vllm:num_requests_running{model_name="a",engine="0"} 3',
    'vllm:num_requests_running{model_name="b",engine="0"} 4',
    'vllm:num_requests_running_extra 9',
    'vllm:kv_cache_usage_perc{model_name="a",engine="0"} 0.25 1700000000000',
    'vllm:num_requests_waiting 2',
  ].join('\n');
  const wanted = new Set(['vllm:num_requests_running', 'vllm:kv_cache_usage_perc', 'vllm:num_requests_waiting', 'vllm:absent']);
  expect(Object.fromEntries(parsePrometheusSamples(text, wanted))).toEqual({ 'vllm:num_requests_running': 7, 'vllm:kv_cache_usage_perc': 0.25, 'vllm:num_requests_waiting': 2 });
});

test('the /metrics URL sits beside the OpenAI base URL', () => {
  expect(metricsUrlFor('http://127.0.0.1:8000/v1')).toBe('http://127.0.0.1:8000/metrics');
  expect(metricsUrlFor('https://host/prefix/v1/')).toBe('https://host/prefix/metrics');
});

test('the brief of a scraped series: peaks and mean KV usage', () => {
  const brief = summarizeServerSamples([
    { t_ms: 0, running: 0, waiting: 0, kv_cache_usage: 0 },
    { t_ms: 1000, running: 8, waiting: 3, kv_cache_usage: 0.5 },
    { t_ms: 2000, running: 2, waiting: 0, kv_cache_usage: 0.1 },
  ]);
  expect(brief).toMatchObject({ samples: 3, max_running: 8, max_waiting: 3, max_kv_cache_usage: 0.5 });
  expect(brief!.mean_kv_cache_usage).toBeCloseTo(0.2, 12);
});
