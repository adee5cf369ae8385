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
  expect(Object.keys(summary.ttft_ms).sort()).toEqual(['count', 'max', 'mean', 'median', 'min', 'p90', 'p95', 'p99']);
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
