/**
 * npm run bench:harness — how precisely the harness measures. Against a mock (own process) whose
 * timing is exactly known (TTFT 200 ms, ITL 20 ms) and which stamps its receive and write times with
 * the machine's monotonic clock (`serve --stamp-writes`), at 1, 100 and 1,000 concurrent streams it
 * prints, median and p99:
 *  - the harness's own error: for TTFT, the time from the server's write of the first token to the
 *    harness's timestamp of it; for ITL, how much each measured gap differs from the server's gap
 *    between the two writes (so the mock's own lateness is not counted against the harness);
 *  - the send delay (harness send → the server's handler, which includes the server's parsing);
 *  - the end-to-end error against the profile (measured − 200 ms / 20 ms), which adds the mock's
 *    own lateness (bench:server reports that);
 *  - the harness's CPU time per 1,000 tokens.
 * The 1-stream row is the baseline the others compare to. A warm-up wave at full concurrency goes first;
 * the CPU time covers the measured run (its prompts are built during it, as in any closed loop).
 * Then the sharded row: 1,000 streams as one `tokenbench run` process and as two shards merged, with
 * each process's client-bound flag; on a 2-core machine the shards share the one CPU the mock leaves.
 */
import { StreamClient } from '../harness/client/stream-client';
import { runLoad } from '../harness/load/runner';
import { summarize } from '../harness/metrics/percentiles';
import { SyntheticWorkload } from '../harness/workload/synthetic';
import { pinCpuFlag, separateCpus, startMockProcess } from '../test/helpers/mock-process';
import { describePinning, pinEventLoopThread } from '../common/cpu-pin';
import { formatTable } from '../cli/table';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { merge, readRunDirectory, type ClientLoad, type RequestRecord } from '../harness';

const TRUE_TTFT_MS = 200;
const TRUE_ITL_MS = 20;
const OUTPUT_TOKENS = Number(process.env.BENCH_OUTPUT_TOKENS ?? 50);
const LEVELS = (process.env.STREAM_LEVELS ?? '1,100,1000').split(',').map(Number);

const medianAndP99 = (values: number[]) => {
  const summary = summarize(values);
  return `${summary.median.toFixed(2)} / ${summary.p99.toFixed(2)}`;
};

// Where the machine allows, the harness's event loop and the mock's each get a CPU of their own
// (--pin-cpu), as a client and a server on separate machines would. BENCH_PIN=0: share the CPUs.
const cpus = process.env.BENCH_PIN === '0' ? undefined : separateCpus();
// The sharded row: this many streams as one CLI process and as two shards (SHARDED_STREAMS=0 skips it).
const SHARDED_STREAMS = Number(process.env.SHARDED_STREAMS ?? 1000);
const BIN = join(__dirname, '..', 'bin', 'tokenbench.js');

/** One `tokenbench run` per shard, all started at once (on `cpus` where given); their run directories. */
async function runShards(baseURL: string, shards: number, cpus: number[] | undefined): Promise<string[]> {
  const directory = mkdtempSync(join(tmpdir(), 'tokenbench-bench-shards-'));
  const outs = Array.from({ length: shards }, (_, index) => join(directory, `shard-${index}`));
  await Promise.all(
    outs.map(
      (out, index) =>
        new Promise<void>((resolve, reject) => {
          const args = [BIN, 'run', '--target', baseURL, '--model', 'constant-model', '--concurrency', String(SHARDED_STREAMS), '--requests', String(SHARDED_STREAMS * 3), '--warmup', String(Math.ceil(SHARDED_STREAMS / shards)), '--scrape-interval', '0', '--workload', `synthetic:prompt=32,output=${OUTPUT_TOKENS}`, '--out', out, ...(shards > 1 ? ['--shard', `${index}/${shards}`] : [])];
          const command = cpus ? ['taskset', '-c', cpus.join(','), process.execPath, ...args] : [process.execPath, ...args];
          const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
          let stderr = '';
          child.stderr.on('data', (data) => (stderr += data));
          child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`shard ${index}: exit ${code}: ${stderr}`))));
        }),
    ),
  );
  return outs;
}

/** The sharded row: harness error and client load, one process against two shards merged. */
async function shardedComparison(baseURL: string, harnessCpus: number[] | undefined): Promise<Array<Array<string | number>>> {
  process.stderr.write(`  ${SHARDED_STREAMS} streams: one process, then two shards…\n`);
  const one = readRunDirectory((await runShards(baseURL, 1, harnessCpus))[0]);
  const shards = (await runShards(baseURL, 2, harnessCpus)).map(readRunDirectory);
  const merged = await merge({ runs: shards });
  const errorP99 = (records: RequestRecord[]) => summarize(records.filter((record) => record.delivery).map((record) => record.delivery!.chunks_ms[0])).p99;
  const row = (label: string, records: RequestRecord[], loads: ClientLoad[], baseline: number) => {
    const ok = records.filter((record) => record.ok && record.delivery);
    return [
      label,
      medianAndP99(ok.map((record) => record.delivery!.chunks_ms[0])),
      medianAndP99(ok.flatMap((record) => record.delivery!.chunks_ms.slice(1).map((delay, index) => Math.abs(delay - record.delivery!.chunks_ms[index])))),
      medianAndP99(ok.map((record) => record.ttft_ms! - TRUE_TTFT_MS)),
      loads.map((load) => load.loop_delay_p99_ms.toFixed(1)).join(' / '),
      loads.map((load) => (load.client_bound ? 'yes' : 'no')).join(' / '),
      (errorP99(records) / baseline).toFixed(2),
    ];
  };
  const baseline = errorP99(one.records);
  return [row('1 process', one.records, [one.info.client!], baseline), row('2 shards, merged', merged.records, shards.map((shard) => shard.info.client!), baseline)];
}

(async () => {
  const mock = await startMockProcess(['--profile', 'constant', '--stamp-writes', ...pinCpuFlag(cpus?.mock[0])]);
  // Pinned after the mock is spawned: a child inherits the affinity of the thread that starts it.
  console.log(cpus ? `harness: ${describePinning(await pinEventLoopThread(cpus.harnessEventLoop))}; the mock's on CPU ${cpus.mock[0]}` : 'harness and mock share the CPUs');
  const rows: Array<Array<string | number>> = [];
  const shardedRows: Array<Array<string | number>> = [];
  try {
    for (const streams of LEVELS) {
      process.stderr.write(`  ${streams} streams…\n`);
      const client = new StreamClient({ baseURL: mock.baseURL, model: 'constant-model', api: 'chat', connections: streams, timeout_ms: 120_000, fixOutputLength: true });
      const workload = new SyntheticWorkload({ prompt: { dist: 'constant', value: 32 }, output: { dist: 'constant', value: OUTPUT_TOKENS }, prefix: 0 }, 1);
      const pattern = { kind: 'closed' as const, concurrency: streams };
      // A warm-up wave at full concurrency, as its own unmeasured run, so the CPU figure is the measured run's alone.
      await runLoad(client, workload, { pattern, requests: streams, warmup: 0, seed: 2 }, new AbortController().signal);
      const cpuBefore = process.cpuUsage();
      const outcome = await runLoad(client, workload, { pattern, requests: Math.max(streams * 3, 20), warmup: 0, seed: 1 }, new AbortController().signal);
      const cpu = process.cpuUsage(cpuBefore);
      await client.close();
      const ok = outcome.records.filter((record) => record.ok && record.delivery);
      const tokens = ok.reduce((sum, record) => sum + record.output_tokens, 0);
      const delivery = ok.map((record) => record.delivery!);
      const ttftHarness = delivery.map((times) => times.chunks_ms[0]);
      const itlHarness = delivery.flatMap((times) => times.chunks_ms.slice(1).map((delay, index) => Math.abs(delay - times.chunks_ms[index])));
      rows.push([
        streams,
        medianAndP99(ttftHarness),
        medianAndP99(itlHarness),
        medianAndP99(delivery.map((times) => times.request_ms)),
        medianAndP99(ok.map((record) => record.ttft_ms! - TRUE_TTFT_MS)),
        medianAndP99(ok.flatMap((record) => record.itl_ms.map((gap) => Math.abs(gap - TRUE_ITL_MS)))),
        Number((((cpu.user + cpu.system) / 1000 / tokens) * 1000).toFixed(1)),
        `${tokens}${ok.length < outcome.records.length ? ` (${outcome.records.length - ok.length} failed)` : ''}`,
      ]);
    }
    if (SHARDED_STREAMS > 0) shardedRows.push(...(await shardedComparison(mock.baseURL, cpus ? cpus.usable.filter((cpu) => !cpus.mock.includes(cpu)) : undefined)));
  } finally {
    await mock.close();
  }
  console.log('ms, median / p99');
  console.log(formatTable(['streams', 'harness TTFT error', 'harness ITL error', 'send → server', 'TTFT − 200', '|ITL − 20|', 'CPU ms / 1k tokens', 'tokens'], rows));
  console.log('goal at 1,000 streams: harness error p99 ≤ 2 ms');
  if (shardedRows.length) {
    console.log(`\nsharded: ${SHARDED_STREAMS} streams as one \`tokenbench run\` process, then as two shards started at once and merged (each its own process, on the CPUs the mock does not have)`);
    console.log(formatTable(['harness', 'harness TTFT error', 'harness ITL error', 'TTFT − 200', 'loop delay p99 ms', 'client-bound', 'p99 TTFT error ÷ one process'], shardedRows));
  }
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
