/**
 * npm run bench:soak — an hour-style run, shortened: SOAK_SECONDS (default 600) at SOAK_RATE req/s
 * (default 50) in open loop against the mock in its own process with every fault on (429, 500,
 * disconnects, stalls past --idle-timeout). Prints the harness's heap and RSS every SOAK_SAMPLE_S
 * seconds, its open handles at the end, and the accounting: every request sent is a completed one or
 * an error of some kind, nothing unaccounted. The baseline is the run's own first sample after
 * warm-up: the figures are ratios to it (flat memory: near 1), as this machine is shared and noisy.
 * Not part of CI.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBenchmark } from '../harness';
import { formatTable } from '../cli/table';
import { startMockProcess } from '../test/helpers/mock-process';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const RATE = Number(process.env.SOAK_RATE ?? 50);
const SAMPLE_S = Number(process.env.SOAK_SAMPLE_S ?? 60);

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'tokenbench-soak-'));
  const profile = join(directory, 'faulty.yaml');
  // A fast profile (answers in ~0.3 s) with each fault at a few percent.
  writeFileSync(
    profile,
    [
      'kind: empirical',
      'name: faulty',
      'model: faulty-model',
      'ttft_ms: { dist: lognormal, median: 80, sigma: 0.3 }',
      'itl_ms: { dist: constant, value: 8 }',
      'faults:',
      "  error_rate: { '429': 0.02, '500': 0.02 }",
      '  disconnect_rate: 0.02',
      '  stall_rate: 0.02',
      '  stall_ms: 3000',
      '',
    ].join('\n'),
  );
  const mock = await startMockProcess(['--profile', profile]);
  const samples: Array<{ t_s: number; heap_mb: number; rss_mb: number; sent: number; finished: number }> = [];
  let sent = 0;
  let finished = 0;
  const started = Date.now();
  const sample = () => {
    // After a full collection (npm run bench:soak passes --expose-gc): what stays, not what awaits collection.
    (globalThis as { gc?: () => void }).gc?.();
    const memory = process.memoryUsage();
    samples.push({ t_s: Math.round((Date.now() - started) / 1000), heap_mb: memory.heapUsed / 2 ** 20, rss_mb: memory.rss / 2 ** 20, sent, finished });
    process.stderr.write(`  ${samples.at(-1)!.t_s} s: heap ${samples.at(-1)!.heap_mb.toFixed(1)} MB, rss ${samples.at(-1)!.rss_mb.toFixed(1)} MB, ${sent} sent, ${finished} finished\n`);
  };
  const timer = setInterval(sample, SAMPLE_S * 1000);
  try {
    const result = await runBenchmark({
      target: mock.baseURL,
      workload: 'synthetic:prompt=128,output=32',
      rate: RATE,
      duration_s: SECONDS,
      timeout_s: 10,
      idleTimeout_s: 1,
      warmup: 1,
      scrapeInterval_s: 5,
      out: join(directory, 'run'),
      onSend: () => sent++,
      onRecord: () => finished++,
    });
    clearInterval(timer);
    sample();
    const { summary } = result;
    const errors = Object.values(summary.errors).reduce((total, count) => total + count, 0);
    const baseline = samples[0];
    process.stdout.write(
      `\nbench:soak — ${SECONDS} s at ${RATE} req/s against the mock with faults on (run directory ${result.directory})\n\n` +
        formatTable(
          ['t (s)', 'heap MB', 'RSS MB', 'heap ÷ first', 'RSS ÷ first', 'sent', 'finished'],
          samples.map((row) => [row.t_s, row.heap_mb, row.rss_mb, row.heap_mb / baseline.heap_mb, row.rss_mb / baseline.rss_mb, row.sent, row.finished]),
        ) +
        `\nsent ${sent} = completed ${summary.completed} + errors ${errors} (${Object.entries(summary.errors).map(([kind, count]) => `${kind.replace(/: $/, '')} ${count}`).join(', ')})` +
        `${sent === summary.completed + errors ? '' : `; UNACCOUNTED: ${sent - summary.completed - errors}`}\n` +
        `records in results.jsonl: ${result.record_count}; kept in memory: ${result.records.length}\n`,
    );
  } finally {
    clearInterval(timer);
    await mock.close();
  }
  // What still holds the event loop open once everything is closed (stdio aside), a moment later.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const handles = (process as unknown as { _getActiveHandles(): Array<{ constructor: { name: string } }> })._getActiveHandles().filter((handle) => {
    const fd = (handle as { _handle?: { fd?: number } })._handle?.fd;
    return !['WriteStream', 'ReadStream', 'TTY'].includes(handle.constructor.name) && !(fd !== undefined && fd >= 0 && fd <= 2);
  });
  const describe = (handle: unknown) => {
    const socket = handle as { constructor: { name: string }; remotePort?: number; _type?: string; fd?: number; _handle?: { constructor: { name: string }; fd?: number } };
    return `${socket.constructor.name}${socket.remotePort ? ` to port ${socket.remotePort}` : socket._handle ? ` (${socket._handle.constructor.name}${socket._handle.fd !== undefined && socket._handle.fd >= 0 ? ` fd ${socket._handle.fd}` : ''})` : ''}`;
  };
  process.stdout.write(`open handles at the end: ${handles.length}${handles.length ? ` (${handles.map(describe).join(', ')})` : ''}\n`);
}

main().catch((error) => {
  process.stderr.write(`bench:soak: ${error.stack ?? error}\n`);
  process.exit(1);
});
