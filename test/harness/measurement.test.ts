import { startMock } from '../helpers/mock-server';
import type { RunningServer } from '../../server';
import { StreamClient } from '../../harness/client/stream-client';
import { runLoad } from '../../harness/load/runner';
import { summarizeRun } from '../../harness/metrics/summary';
import { SyntheticWorkload } from '../../harness/workload/synthetic';
import { parseProfile } from '../../server/profiles/registry';

let mock: RunningServer;
beforeAll(async () => {
  mock = await startMock({
    profiles: [
      'constant',
      parseProfile({ kind: 'empirical', model: 'one-at-a-time', max_num_seqs: 1, ttft_ms: { dist: 'constant', value: 50 }, itl_ms: { dist: 'constant', value: 5 } }, 'one-at-a-time'),
    ],
  });
});
afterAll(() => mock.close());

const client = (model: string, connections: number) =>
  new StreamClient({ baseURL: mock.baseURL, model, api: 'chat', connections, timeout_ms: 30_000, fixOutputLength: true });

test('against constant timing (TTFT 200 ms, ITL 20 ms), 96 requests at concurrency 16 measure it back', async () => {
  const workload = new SyntheticWorkload({ prompt: { dist: 'constant', value: 128 }, output: { dist: 'uniform', min: 16, max: 40 }, prefix: 0 }, 1);
  const streamClient = client('constant-model', 16);
  const outcome = await runLoad(streamClient, workload, { pattern: { kind: 'closed', concurrency: 16 }, requests: 96, warmup: 0, seed: 1 }, new AbortController().signal);
  await streamClient.close();
  const summary = summarizeRun(outcome.records, outcome.duration_s);
  expect(summary.completed).toBe(96);
  expect(summary.ttft_ms.median).toBeGreaterThanOrEqual(200);
  expect(summary.ttft_ms.median).toBeLessThanOrEqual(212);
  for (const metric of [summary.itl_ms, summary.tpot_ms]) {
    expect(metric.median).toBeGreaterThanOrEqual(19.5);
    expect(metric.median).toBeLessThanOrEqual(21.5);
  }
  for (const record of outcome.records) expect(record.output_tokens).toBe(record.requested_output_tokens);
  for (const record of outcome.records) expect(record.prompt_tokens).toBeGreaterThanOrEqual(128);
});

test('an open-loop run of 200 requests at 40/s takes 5 s ± 1 and records each scheduled time', async () => {
  const workload = new SyntheticWorkload({ prompt: { dist: 'constant', value: 16 }, output: { dist: 'constant', value: 4 }, prefix: 0 }, 2);
  const streamClient = client('constant-model', 128);
  const outcome = await runLoad(streamClient, workload, { pattern: { kind: 'open', rate_per_s: 40, burstiness: 1 }, requests: 200, warmup: 0, seed: 3 }, new AbortController().signal);
  await streamClient.close();
  const lastScheduled = Math.max(...outcome.records.map((record) => record.scheduled_ms));
  expect(lastScheduled / 1000).toBeGreaterThan(4);
  expect(lastScheduled / 1000).toBeLessThan(6);
  expect(outcome.records).toHaveLength(200);
  for (const record of outcome.records) expect(record.sent_ms).toBeGreaterThanOrEqual(record.scheduled_ms - 1);
});

test('an overloaded target makes requests wait (TTFT grows) while sends stay on schedule', async () => {
  const workload = new SyntheticWorkload({ prompt: { dist: 'constant', value: 16 }, output: { dist: 'constant', value: 10 }, prefix: 0 }, 4);
  const streamClient = client('one-at-a-time', 64);
  // Capacity: one request per 50 + 9×5 = 95 ms ≈ 10.5/s; offered 30/s.
  const outcome = await runLoad(streamClient, workload, { pattern: { kind: 'open', rate_per_s: 30, burstiness: 1 }, requests: 30, warmup: 0, seed: 5 }, new AbortController().signal);
  await streamClient.close();
  const summary = summarizeRun(outcome.records, outcome.duration_s);
  expect(summary.completed).toBe(30);
  expect(summary.ttft_ms.max).toBeGreaterThan(500);
  expect(summary.send_lag_ms.p99).toBeLessThan(50);
});
