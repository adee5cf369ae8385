import { summarizeRun } from '../metrics/summary';
import { mergeRuns } from '../results/merge';
import { readRunDirectory, writeRunDirectory, type LoadedRun } from '../results/run-dir';
import type { Slo } from '../types/run';
import type { RunResult } from './run-benchmark';
import { parseSlo } from './plan';

export interface MergeOptions {
  /** The shards' run directories (or runs already read). */
  runs: Array<string | LoadedRun>;
  /** The merged run directory; nothing is written without it. */
  out?: string;
  /** Goodput SLOs of the merged summary. */
  slo?: Slo | string;
  csv?: boolean;
  log?(line: string): void;
}

export interface MergeResult extends RunResult {
  missingShards: number[];
}

/**
 * Joins the run directories of a sharded run (`runBenchmark({ shard })`, `tokenbench run --shard`)
 * into one, as `tokenbench merge` does: its summary is computed over the union of every shard's
 * records, so it is exact; the report lists each shard's clock offset and whether it was client-bound.
 */
export async function merge(options: MergeOptions): Promise<MergeResult> {
  const runs = options.runs.map((run) => (typeof run === 'string' ? readRunDirectory(run) : run));
  const merged = mergeRuns(runs);
  if (merged.missingShards.length) options.log?.(`merge: no run for shard ${merged.missingShards.join(', ')} of ${runs[0].info.shard?.count ?? 1}; the summary covers the shards given`);
  const summary = summarizeRun(merged.records, merged.duration_s, parseSlo(options.slo));
  if (options.out) await writeRunDirectory(options.out, merged.info, merged.records, summary, { csv: options.csv });
  return { info: merged.info, summary, records: merged.records, serverSamples: [], directory: options.out, missingShards: merged.missingShards };
}
