import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HARNESS = join(__dirname, '..', '..', 'dist', 'harness', 'index.js');

/**
 * Twenty simulated minutes of open-loop traffic at 200 req/s (240,000 requests), through the public
 * `simulate` with its run directory, in a process of its own (plain Node, `--expose-gc`, the built
 * code: the engine runs ~15× slower inside jest's sandbox). Its heap after a full collection is
 * sampled every 20,000 records: it must stay flat, where keeping every record would add ~2 KB each
 * (~480 MB by the end).
 */
test('20 simulated minutes at 200 req/s run in bounded heap, every record in results.jsonl', () => {
  const directory = mkdtempSync(join(tmpdir(), 'tokenbench-heap-'));
  try {
    const source = `
      const { simulate } = require(${JSON.stringify(HARNESS)});
      const samples = [];
      let count = 0;
      simulate({ profile: 'chatty', rate: 200, duration_s: 1200, out: ${JSON.stringify(join(directory, 'run'))}, onRecord: () => {
        if (++count % 20000 === 0) { global.gc(); samples.push(process.memoryUsage().heapUsed); }
      } }).then((result) => process.stdout.write(JSON.stringify({ samples, count: result.record_count, kept: result.records.length, completed: result.summary.completed, percentiles: result.summary.percentiles })));
    `;
    const child = spawnSync(process.execPath, ['--expose-gc', '-e', source], { encoding: 'utf8', maxBuffer: 1 << 20 });
    expect(child.stderr).toBe('');
    const { samples, count, kept, completed, percentiles } = JSON.parse(child.stdout);
    // A Poisson count of mean 240,000 (±3σ ≈ ±1,500).
    expect(count).toBeGreaterThan(238_000);
    expect(completed).toBe(count);
    expect(kept).toBe(20_000);
    // ITL has 64 gaps a request: beyond a million values it is summarised from an HDR histogram.
    expect(percentiles).toBe('hdr-histogram');
    const first = samples[0] / 2 ** 20;
    const last = samples[samples.length - 1] / 2 ** 20;
    process.stdout.write(`heap after 20,000 records ${first.toFixed(1)} MB, after ${samples.length * 20_000}: ${last.toFixed(1)} MB\n`);
    expect(samples.length).toBeGreaterThanOrEqual(11);
    expect(last).toBeLessThan(first * 1.5);
    // Every record reached the file (each line is over a kilobyte: 64 ITL values).
    expect(statSync(join(directory, 'run', 'results.jsonl')).size).toBeGreaterThan(count * 1000);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}, 180_000);
