import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSweepReport } from '../report/sweep-report';
import { readRunDirectory, writeRunDirectory } from '../results/run-dir';
import type { RunInfo, SweepPoint } from '../types/run';

/** Regenerates a run's (or a sweep's, and each of its points') report.md and charts from its files; returns the report's path. */
export async function regenerateReport(directory: string, options: { csv?: boolean } = {}): Promise<string> {
  const sweepFile = join(directory, 'sweep.json');
  if (existsSync(sweepFile)) {
    const sweep = JSON.parse(readFileSync(sweepFile, 'utf8')) as RunInfo & { knee_index: number; points: SweepPoint[] };
    for (const point of sweep.points) {
      const run = readRunDirectory(join(directory, point.directory));
      await writeRunDirectory(run.directory, run.info, run.records, run.summary, { serverSamples: run.serverSamples, csv: options.csv });
    }
    await writeSweepReport(directory, sweep, sweep.points, sweep.knee_index);
  } else {
    const run = readRunDirectory(directory);
    await writeRunDirectory(directory, run.info, run.records, run.summary, { serverSamples: run.serverSamples, csv: options.csv });
  }
  return join(directory, 'report.md');
}
