import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';

const TRACE = join(__dirname, '..', '..', 'traces', 'mooncake_conversation_trace.jsonl');
const ROWS = 400;

/** The trace's own reuse: the share of its blocks (hash_ids) over the first rows that repeat an earlier block. */
function traceBlockReuse(): number {
  const rows = readFileSync(TRACE, 'utf8').trim().split('\n').slice(0, ROWS).map((line) => JSON.parse(line) as { hash_ids: number[] });
  const seen = new Set<number>();
  let blocks = 0;
  let repeated = 0;
  for (const row of rows) {
    for (const id of row.hash_ids) {
      blocks++;
      if (seen.has(id)) repeated++;
    }
    row.hash_ids.forEach((id) => seen.add(id));
  }
  return repeated / blocks;
}

/**
 * The first 400 rows of Mooncake's conversation trace through DeepSeek-V3 on 8×H200 (simulate, at 0.4×
 * the recorded rate: its 14k-token prompts keep the deployment busy, so saved prefill shows in the
 * queue). The engine's prefix-cache hit rate matches the trace's own block reuse, and the TTFT median
 * falls by at least a fifth against the same replay with --no-prefix-caching.
 */
test('a Mooncake replay hits the prefix cache as often as the trace reuses blocks, and its TTFT median falls by ≥ 20%', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'tokenbench-prefix-replay-'));
  const replay = async (name: string, extra: string[]) => {
    const out = join(directory, name);
    const result = await runCli(['simulate', '--profile', 'deepseek-v3-h200x8', '--workload', `mooncake:${TRACE}`, '--limit', String(ROWS), '--speedup', '0.4', '--out', out, ...extra]);
    expect(result.code).toBe(0);
    return JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  };
  const cached = await replay('cached', []);
  const uncached = await replay('uncached', ['--no-prefix-caching']);
  const reuse = traceBlockReuse();
  process.stdout.write(`trace block reuse ${reuse.toFixed(3)}, hit rate ${cached.prefix_cache_hit_rate.toFixed(3)}; TTFT median ${cached.ttft_ms.median.toFixed(0)} ms against ${uncached.ttft_ms.median.toFixed(0)} ms without\n`);
  expect(cached.completed).toBe(ROWS);
  expect(Math.abs(cached.prefix_cache_hit_rate - reuse)).toBeLessThan(0.1);
  expect(cached.prefix_cache_hit_rate).toBeGreaterThan(0.05);
  // Without the cache nothing is reported cached by the engine.
  expect(uncached.prefix_cache_hit_rate).toBeUndefined();
  expect(cached.ttft_ms.median).toBeLessThanOrEqual(0.8 * uncached.ttft_ms.median);
}, 120_000);
