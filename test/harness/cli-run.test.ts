import { mkdtempSync, readFileSync } from 'node:fs';
import { readRun, runCli } from '../helpers/cli';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('tokenbench run on the embedded mock writes a complete run directory', async () => {
  const out = mkdtempSync(join(tmpdir(), 'tokenbench-run-'));
  const result = await runCli(['run', '--profile', 'instant', '--requests', '20', '--concurrency', '4', '--out', out]);
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('TTFT');
  const { summary, records, report } = readRun(out);
  expect(summary.completed).toBe(20);
  expect(summary.interrupted).toBe(false);
  expect(records).toHaveLength(20);
  expect(Object.keys(summary.ttft_ms).sort()).toEqual(['count', 'max', 'mean', 'median', 'min', 'p90', 'p95', 'p99', 'std']);
  expect(report).toContain('## Latency percentiles (ms)');
});

test('interrupting a run with SIGINT still leaves a complete, parseable run directory', async () => {
  const out = mkdtempSync(join(tmpdir(), 'tokenbench-sigint-'));
  const result = await runCli(['run', '--profile', 'constant', '--requests', '100000', '--concurrency', '4', '--workload', 'synthetic:prompt=32,output=20', '--out', out], 2500);
  expect(result.code).toBe(0);
  const { summary, records } = readRun(out);
  expect(summary.interrupted).toBe(true);
  expect(records.length).toBeGreaterThan(0);
  expect(records.length).toBeLessThan(100000);
  // In-flight requests were allowed to finish rather than being recorded as failures.
  expect(summary.failed).toBe(0);
});

test("a run scrapes the target's /metrics into server_metrics.jsonl and writes vLLM's result format on request", async () => {
  const out = mkdtempSync(join(tmpdir(), 'tokenbench-scrape-'));
  const result = await runCli(['run', '--profile', 'constant', '--requests', '24', '--concurrency', '8', '--workload', 'synthetic:prompt=32,output=60', '--scrape-interval', '0.25', '--format', 'vllm', '--out', out]);
  expect(result.code).toBe(0);
  const samples = readFileSync(join(out, 'server_metrics.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  // Before, during (every 250 ms of a ~4.5 s run) and after.
  expect(samples.length).toBeGreaterThanOrEqual(10);
  expect(samples[0].running).toBe(0);
  expect(Math.max(...samples.map((sample: { running: number }) => sample.running))).toBe(8);
  expect(samples[samples.length - 1].running).toBe(0);
  const { summary, records } = readRun(out);
  expect(summary.server).toMatchObject({ max_running: 8, samples: samples.length });
  const vllm = JSON.parse(readFileSync(join(out, 'vllm_result.json'), 'utf8'));
  expect(vllm).toMatchObject({ completed: 24, max_concurrency: 8, request_rate: 'inf', num_prompts: 24 });
  expect(vllm.ttfts[3]).toBeCloseTo(records[3].ttft_ms / 1000, 9);
  expect(vllm.itls[0]).toHaveLength(59);
  expect(vllm.median_ttft_ms).toBeCloseTo(summary.ttft_ms.median, 9);
  for (const field of ['std_itl_ms', 'p99_tpot_ms', 'mean_e2el_ms', 'input_lens', 'output_lens', 'total_token_throughput']) expect(vllm).toHaveProperty(field);
});
