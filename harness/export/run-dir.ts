import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestRecord } from '../client/record';
import type { RunSummary } from '../metrics/summary';
import { renderReport } from './report';

/** What was run, written at the top of summary.json and the report. */
export interface RunInfo {
  target: string;
  model: string;
  api: string;
  profile?: string;
  workload: string;
  load: string;
  seed: number;
  version: string;
  started_at: string;
  machine: string;
  interrupted: boolean;
}

/** Writes the run directory of DESIGN §3: results.jsonl, summary.json, report.md. */
export function writeRunDirectory(directory: string, info: RunInfo, records: RequestRecord[], summary: RunSummary): void {
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, 'results.jsonl'), records.map((record) => JSON.stringify(record)).join('\n') + (records.length ? '\n' : ''));
  writeFileSync(join(directory, 'summary.json'), JSON.stringify({ ...info, ...summary }, null, 2) + '\n');
  writeFileSync(join(directory, 'report.md'), renderReport(info, summary));
}
