import type { RequestRecord } from '../types/record';
import type { RunInfo, ShardBrief } from '../types/run';
import type { LoadedRun } from './run-dir';

export interface MergedRun {
  info: RunInfo;
  records: RequestRecord[];
  /** From the earliest shard's load start to the latest shard's end. */
  duration_s: number;
  /** Shard indices of the count that no run was given for. */
  missingShards: number[];
}

const sameOrThrow = (runs: LoadedRun[], field: 'workload' | 'seed' | 'model' | 'target' | 'api') => {
  const first = runs[0].info[field];
  const other = runs.find((run) => run.info[field] !== first);
  if (other) throw new Error(`merge: ${other.directory} has ${field} "${other.info[field]}" where ${runs[0].directory} has "${first}": not shards of one run`);
};

/**
 * One run out of its shards' runs: every record, shifted onto the earliest shard's clock by each
 * shard's load start (ms since the epoch, as each process read it), so the summary computed over
 * them is exact for the union. Shards must be of one run (same target, model, API, workload, seed,
 * shard count), with distinct indices and disjoint request ids.
 */
export function mergeRuns(runs: LoadedRun[]): MergedRun {
  if (runs.length === 0) throw new Error('merge: give at least one run directory');
  for (const field of ['target', 'model', 'api', 'workload', 'seed'] as const) sameOrThrow(runs, field);
  const counts = new Set(runs.map((run) => run.info.shard?.count ?? 1));
  if (counts.size > 1) throw new Error(`merge: the runs were split ${[...counts].join(' and ')} ways; merge shards of one run`);
  const count = [...counts][0];
  const indices = new Map<number, string>();
  for (const run of runs) {
    const index = run.info.shard?.index ?? 0;
    if (indices.has(index)) throw new Error(`merge: ${run.directory} and ${indices.get(index)} are both shard ${index}/${count}`);
    indices.set(index, run.directory);
  }
  const earliest = Math.min(...runs.map((run) => run.info.load_started_epoch_ms ?? Infinity));
  const offset_ms = (run: LoadedRun) => (run.info.load_started_epoch_ms !== undefined && Number.isFinite(earliest) ? run.info.load_started_epoch_ms - earliest : 0);

  const owner = new Map<number, string>();
  const records: RequestRecord[] = [];
  for (const run of runs) {
    const offset = offset_ms(run);
    for (const record of run.records) {
      const previous = owner.get(record.id);
      if (previous !== undefined) throw new Error(`merge: request ${record.id} is in both ${previous} and ${run.directory}: the shards' requests must be disjoint`);
      owner.set(record.id, run.directory);
      records.push({ ...record, scheduled_ms: record.scheduled_ms + offset, sent_ms: record.sent_ms + offset });
    }
  }
  records.sort((a, b) => a.id - b.id);

  const shards: ShardBrief[] = runs
    .map((run) => ({ directory: run.directory, shard: run.info.shard, machine: run.info.machine, requests: run.records.length, clock_offset_ms: offset_ms(run), ...(run.info.client ? { client: run.info.client } : {}) }))
    .sort((a, b) => (a.shard?.index ?? 0) - (b.shard?.index ?? 0));
  const missingShards = Array.from({ length: count }, (_, index) => index).filter((index) => !indices.has(index));
  const first = runs[0].info;
  const { shard: _shard, client: _client, ...shared } = first;
  const info: RunInfo = {
    ...shared,
    load: `${first.load.replace(/; shard \d+\/\d+: .*$/, '')}; ${runs.length} of ${count} shards merged${missingShards.length ? ` (missing ${missingShards.join(', ')})` : ''}`,
    started_at: runs.map((run) => run.info.started_at).sort()[0],
    machine: [...new Set(runs.map((run) => run.info.machine))].join('; '),
    interrupted: runs.some((run) => run.info.interrupted),
    ...(Number.isFinite(earliest) ? { load_started_epoch_ms: earliest } : {}),
    shards,
  };
  const duration_s = Math.max(...runs.map((run) => offset_ms(run) / 1000 + run.summary.duration_s));
  return { info, records, duration_s, missingShards };
}
