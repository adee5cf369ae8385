import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRun, runCli } from '../helpers/cli';

const tempDir = () => mkdtempSync(join(tmpdir(), 'tokenbench-sim-'));

test('tokenbench simulate runs 1,000 requests on the virtual clock, and the same seed gives identical results.jsonl', async () => {
  const [first, second, other] = [tempDir(), tempDir(), tempDir()];
  const args = ['simulate', '--profile', 'llama-3.1-8b-h100', '--workload', 'synthetic:prompt=lognormal(800,0.5),output=lognormal(150,0.5)', '--concurrency', '64', '--requests', '1000'];
  const a = await runCli([...args, '--seed', '5', '--out', first]);
  expect(a.code).toBe(0);
  expect(a.stderr).toMatch(/simulated s in [\d.]+ wall s/);
  await runCli([...args, '--seed', '5', '--out', second]);
  await runCli([...args, '--seed', '6', '--out', other]);
  const results = (directory: string) => readFileSync(join(directory, 'results.jsonl'), 'utf8');
  expect(results(first)).toBe(results(second));
  expect(results(first)).not.toBe(results(other));
  const run = readRun(first);
  expect(run.summary.completed).toBe(1000);
  expect(run.records).toHaveLength(1000);
  expect(run.records[0]).toEqual(expect.objectContaining({ id: 0, ok: true, scheduled_ms: 0, sent_ms: 0 }));
  expect(run.report).toContain('simulated llama-3.1-8b-h100');
});

test('tokenbench simulate takes the composition flags and an open-loop rate', async () => {
  const out = tempDir();
  const result = await runCli(['simulate', '--hardware', 'h200', '--model', 'llama-3.1-8b', '--weights', 'fp8', '--rate', '20', '--requests', '200', '--out', out, '--json']);
  expect(result.code).toBe(0);
  const summary = JSON.parse(result.stdout);
  expect(summary).toMatchObject({ completed: 200, profile: 'llama-3.1-8b@1xh200' });
  // 200 requests at 20/s arrive over ~10 simulated seconds.
  expect(summary.duration_s).toBeGreaterThan(7);
  expect(summary.duration_s).toBeLessThan(14);
});

test('tokenbench profiles, hardware and models list the catalogs; predict prints the figures', async () => {
  const profiles = JSON.parse((await runCli(['profiles', '--json'])).stdout);
  const dense = profiles.find((row: { name: string }) => row.name === 'llama-3.3-70b-fp8-h100x2');
  expect(dense).toMatchObject({ kind: 'dense, gpu', hardware: 'h100-sxm', gpus: 2, model: 'llama-3.1-70b' });
  for (const row of profiles) expect(Object.keys(row)).toEqual(expect.arrayContaining(['name', 'kind', 'hardware', 'model']));
  expect((await runCli(['hardware'])).stdout).toContain('groq-lpu');
  expect(JSON.parse((await runCli(['models', '--json'])).stdout).map((m: { id: string }) => m.id)).toContain('deepseek-v3');
  const prediction = JSON.parse((await runCli(['predict', '--hardware', 'h100-sxm', '--gpus', '2', '--model', 'llama-3.1-70b', '--weights', 'fp8', '--prompt-tokens', '5000', '--json'])).stdout);
  expect(Object.keys(prediction)).toEqual(expect.arrayContaining(['ttft_ms', 'tpot_ms', 'e2el_ms', 'decode_tokens_per_s']));
  const tooBig = await runCli(['predict', '--hardware', 'h100-sxm', '--model', 'llama-3.1-405b']);
  expect(tooBig.code).toBe(1);
  expect(tooBig.stderr).toMatch(/does not fit.*GB.*GB/);
});
