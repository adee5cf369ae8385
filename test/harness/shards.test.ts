import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRun, runCli } from '../helpers/cli';
import { startMockProcess, type MockProcess } from '../helpers/mock-process';
import { openLoopSchedule } from '../../harness/load/load-pattern';
import { summarize } from '../../harness/metrics/percentiles';
import type { RequestRecord } from '../../harness/types/record';

const directory = mkdtempSync(join(tmpdir(), 'tokenbench-shards-'));
const WORKLOAD = 'synthetic:prompt=64,output=12';

let mock: MockProcess;
beforeAll(async () => {
  mock = await startMockProcess(['--profile', 'constant']);
});
afterAll(() => mock.close());

test('three shards started at once against one mock, then merge: the merged summary is exact for the union of their records', async () => {
  const shards = [0, 1, 2].map((index) => join(directory, `closed-${index}`));
  const results = await Promise.all(
    shards.map((out, index) => runCli(['run', '--target', mock.baseURL, '--shard', `${index}/3`, '--concurrency', '6', '--requests', '36', '--workload', WORKLOAD, '--scrape-interval', '0', '--out', out])),
  );
  for (const result of results) expect(result.code).toBe(0);
  const runs = shards.map((out) => readRun(out));
  // Disjoint request ids dealt round-robin, whose union is the whole run; 2 of the 6 seats each.
  runs.forEach((run, index) => {
    expect(run.records.map((record: RequestRecord) => record.id)).toEqual(Array.from({ length: 12 }, (_, k) => index + 3 * k));
    expect(run.summary.shard).toEqual({ index, count: 3 });
    expect(run.summary.load).toContain(`shard ${index}/3: closed loop, concurrency 2`);
    expect(run.summary.client).toMatchObject({ client_bound: expect.any(Boolean), loop_delay_p99_ms: expect.any(Number) });
  });

  const merged = join(directory, 'closed-merged');
  const result = await runCli(['merge', ...shards, '--out', merged]);
  expect(result.code).toBe(0);
  const { summary, records, report } = readRun(merged);
  expect(records.map((record: RequestRecord) => record.id)).toEqual(Array.from({ length: 36 }, (_, id) => id));
  const union = runs.flatMap((run) => run.records as RequestRecord[]);
  const ttft = summarize(union.map((record) => record.ttft_ms!));
  expect(summary.completed).toBe(36);
  expect(summary.ttft_ms.median).toBe(ttft.median);
  expect(summary.ttft_ms.p99).toBe(ttft.p99);
  expect(summary.itl_ms.count).toBe(union.reduce((sum, record) => sum + record.itl_ms.length, 0));
  // The constant profile's 200 ms, measured right through three processes.
  expect(summary.ttft_ms.median).toBeGreaterThanOrEqual(199);
  expect(summary.ttft_ms.median).toBeLessThan(230);
  expect(summary.load).toContain('3 of 3 shards merged');
  expect(summary.shards.map((shard: { shard: unknown }) => shard.shard)).toEqual([0, 1, 2].map((index) => ({ index, count: 3 })));
  // Offsets are each shard's load start after the earliest's: the shards started together.
  for (const shard of summary.shards) expect(Math.abs(shard.clock_offset_ms)).toBeLessThan(5000);
  expect(report).toContain('## Shards');
  expect(report).toContain('| client-bound |');

  // A merged run is an ordinary run directory to report and compare.
  expect((await runCli(['report', merged])).code).toBe(0);
  const compared = await runCli(['compare', shards[0], merged]);
  expect(compared.code).toBe(0);
  expect(compared.stdout).toContain('| ttft_ms | median |');
});

test("open loop: each shard sends its ids at the whole run's own schedule, so the shards' union is the unsharded schedule", async () => {
  const shards = [0, 1].map((index) => join(directory, `open-${index}`));
  const results = await Promise.all(shards.map((out, index) => runCli(['run', '--target', mock.baseURL, '--shard', `${index}/2`, '--rate', '40', '--requests', '20', '--seed', '5', '--workload', WORKLOAD, '--scrape-interval', '0', '--out', out])));
  for (const result of results) expect(result.code).toBe(0);
  const schedule = openLoopSchedule(20, 40, 1, 5);
  shards.forEach((out, index) => {
    const { summary, records } = readRun(out);
    expect(summary.load).toContain(`shard ${index}/2: open loop, 20 req/s`);
    expect(records.map((record: RequestRecord) => record.id)).toEqual(Array.from({ length: 10 }, (_, k) => index + 2 * k));
    for (const record of records as RequestRecord[]) expect(record.scheduled_ms).toBeCloseTo(schedule[record.id], 6);
  });
});

test('a trace splits by row, each row at its own recorded time', async () => {
  // Only the schedule is under test: an instant endpoint, as the trace's answers run to 1,656 tokens (50 s at the constant profile's pace).
  const instant = await startMockProcess(['--profile', 'instant']);
  try {
    await splitTraceByRow(instant.baseURL);
  } finally {
    await instant.close();
  }
});

async function splitTraceByRow(baseURL: string) {
  const out = join(directory, 'trace-1');
  const result = await runCli(['run', '--target', baseURL, '--shard', '1/2', '--workload', 'burstgpt:traces/BurstGPT_1_first400.csv', '--limit', '10', '--speedup', '100000', '--scrape-interval', '0', '--out', out]);
  expect(result.code).toBe(0);
  const whole = join(directory, 'trace-whole');
  expect((await runCli(['run', '--target', baseURL, '--workload', 'burstgpt:traces/BurstGPT_1_first400.csv', '--limit', '10', '--speedup', '100000', '--scrape-interval', '0', '--out', whole])).code).toBe(0);
  const shardRecords = readRun(out).records as RequestRecord[];
  const wholeRecords = readRun(whole).records as RequestRecord[];
  expect(shardRecords.map((record) => record.id)).toEqual([1, 3, 5, 7, 9]);
  for (const record of shardRecords) expect(record.scheduled_ms).toBeCloseTo(wholeRecords[record.id].scheduled_ms, 6);
}

test('a Kubernetes Indexed Job: JOB_COMPLETION_INDEX with --shards N picks that slice (and TOKENBENCH_SHARD works too)', async () => {
  const out = join(directory, 'indexed');
  const result = await runCli(['run', '--profile', 'instant', '--shards', '3', '--concurrency', '3', '--requests', '12', '--out', out], undefined, { JOB_COMPLETION_INDEX: '1' });
  expect(result.code).toBe(0);
  const { summary, records } = readRun(out);
  expect(summary.shard).toEqual({ index: 1, count: 3 });
  expect(records.map((record: RequestRecord) => record.id)).toEqual([1, 4, 7, 10]);

  const viaEnv = join(directory, 'env');
  expect((await runCli(['run', '--profile', 'instant', '--concurrency', '2', '--requests', '8', '--out', viaEnv], undefined, { TOKENBENCH_SHARD: '1/2' })).code).toBe(0);
  expect(readRun(viaEnv).records.map((record: RequestRecord) => record.id)).toEqual([1, 3, 5, 7]);
});

test('bad shard settings and mismatched shards fail with a message that names the flag or the directory', async () => {
  const cases: Array<[string[], NodeJS.ProcessEnv | undefined, RegExp]> = [
    [['--shard', '3/3'], undefined, /--shard: the shard index must be 0 … 2 \(got 3\)/],
    [['--shard', '1/0'], undefined, /--shard: the shard count must be a whole number ≥ 1/],
    [['--shard', 'abc'], undefined, /--shard: "abc" is not I\/N/],
    [['--shard', '-1/2'], undefined, /--shard: "-1\/2" is not I\/N/],
    [['--shards', '3'], {}, /--shards 3: JOB_COMPLETION_INDEX .* is not set/],
    [['--shards', '3'], { JOB_COMPLETION_INDEX: 'x' }, /JOB_COMPLETION_INDEX .* is "x"/],
    [['--shards', '0'], { JOB_COMPLETION_INDEX: '0' }, /'--shards <n>' argument '0' is invalid\. Expected a whole number at least 1/],
    [['--shard', '0/3', '--concurrency', '2'], undefined, /concurrency 2 cannot be split over 3 shards/],
  ];
  for (const [flags, env, message] of cases) {
    const result = await runCli(['run', '--profile', 'instant', '--requests', '4', '--out', join(directory, 'bad'), ...flags], undefined, { JOB_COMPLETION_INDEX: undefined, TOKENBENCH_SHARD: undefined, ...env });
    expect(`${flags.join(' ')} → ${result.code === 0 ? 'exit 0' : 'failed'}: ${result.stderr.trim()}`).toMatch(message);
    expect(result.code).not.toBe(0);
  }
  const closed = [0, 1, 2].map((index) => join(directory, `closed-${index}`));
  const twice = await runCli(['merge', closed[0], closed[0], '--out', join(directory, 'twice')]);
  expect(twice.code).not.toBe(0);
  expect(twice.stderr).toMatch(/are both shard 0\/3/);
  const mixed = await runCli(['merge', closed[0], join(directory, 'open-1'), '--out', join(directory, 'mixed')]);
  expect(mixed.code).not.toBe(0);
  expect(mixed.stderr).toMatch(/split 3 and 2 ways|not shards of one run/);
  const missing = await runCli(['merge', join(directory, 'nope'), '--out', join(directory, 'none')]);
  expect(missing.stderr).toMatch(/nope is not a run directory/);
});

test("a run in which every request failed exits non-zero, says so with the target's message, and still writes its directory", async () => {
  const server = (await import('node:http')).createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url?.endsWith('/models')) return void res.end(JSON.stringify({ data: [{ id: 'm' }] }));
    res.statusCode = 500;
    res.end(JSON.stringify({ error: { message: 'boom' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const out = join(directory, 'all-failed');
    const { port } = server.address() as { port: number };
    const result = await runCli(['run', '--target', `http://127.0.0.1:${port}/v1`, '--shard', '0/2', '--concurrency', '2', '--requests', '4', '--scrape-interval', '0', '--warmup', '0', '--out', out]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/every request failed \(http_500 × 2: boom\)/);
    expect(readRun(out).summary.failed).toBe(2);
  } finally {
    server.close();
  }
});
