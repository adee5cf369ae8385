import { ServerMetrics } from '../../server/http/metrics';

function metricsWithTraffic(): ServerMetrics {
  const metrics = new ServerMetrics();
  const series = metrics.forModel('m');
  for (let i = 0; i < 100; i++) {
    series.itl.observe(0.02 + i / 1e4);
    metrics.writeLag.observe(i / 1e5);
  }
  metrics.observeRequest({ model: 'm', finishReason: 'length', promptTokens: 10, generationTokens: 100, maxChoiceGenerationTokens: 100, maxTokens: 100, n: 1, queue_s: 0, ttft_s: 0.02, prefill_s: 0.02, decode_s: 2, e2e_s: 2.02 });
  metrics.rejected.inc({ status: '400' });
  return metrics;
}

test('/metrics text is exactly what the prom-client registry writes', async () => {
  const metrics = metricsWithTraffic();
  const ours = await metrics.exposition();
  const reference = await metrics.registry.metrics();
  // Default metrics (CPU, memory, event-loop lag) move between two renders: compare the rest exactly.
  const stable = (text: string) => text.split('\n').filter((line) => !line.startsWith('tokenbench_process') && !line.startsWith('tokenbench_nodejs')).join('\n');
  expect(stable(ours)).toBe(stable(reference));
  expect(ours).toContain('vllm:inter_token_latency_seconds_count{model_name="m",engine="0"} 100');
  expect(ours.endsWith('\n')).toBe(true);
});

test('rendering /metrics lets other work run in between (streams keep being written during a scrape)', async () => {
  const metrics = metricsWithTraffic();
  let turnsDuringRender = 0;
  let rendering = true;
  const countTurns = () => {
    if (!rendering) return;
    turnsDuringRender++;
    setImmediate(countTurns);
  };
  setImmediate(countTurns);
  await metrics.exposition();
  rendering = false;
  // One turn per metric, at least: the render never held the loop for the whole registry.
  expect(turnsDuringRender).toBeGreaterThanOrEqual(metrics.registry.getMetricsAsArray().length - 1);
});
