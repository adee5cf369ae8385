import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(__dirname, '..', '..', 'bin', 'tokenbench.js');

function runCli(args: string[], interruptAfter_ms?: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data) => (stdout += data));
    child.stderr.on('data', (data) => (stderr += data));
    if (interruptAfter_ms !== undefined) setTimeout(() => child.kill('SIGINT'), interruptAfter_ms);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function readRun(directory: string) {
  const summary = JSON.parse(readFileSync(join(directory, 'summary.json'), 'utf8'));
  const lines = readFileSync(join(directory, 'results.jsonl'), 'utf8').trim().split('\n').filter(Boolean);
  return { summary, records: lines.map((line) => JSON.parse(line)), report: readFileSync(join(directory, 'report.md'), 'utf8') };
}

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
