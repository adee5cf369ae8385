import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestRecord } from '../client/record';
import type { RunSummary } from '../metrics/summary';
import { renderReport } from './report';
import { summarizeServerSamples, type ServerSample } from '../metrics/server-scrape';
import { toVllmResult, type VllmLoadSettings } from './vllm-format';

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

/** What a run may add to its directory beyond the three files every run has. */
export interface RunExtras {
  /** The target's /metrics series (server_metrics.jsonl; a brief in summary.json's `server`). */
  serverSamples?: ServerSample[];
  /** Also write vLLM's result JSON (`--format vllm`). */
  vllm?: VllmLoadSettings;
}

/**
 * Writes the run directory of DESIGN §3: results.jsonl, summary.json, report.md; plus
 * server_metrics.jsonl when the target's /metrics was scraped and vllm_result.json on request.
 */
export function writeRunDirectory(directory: string, info: RunInfo, records: RequestRecord[], summary: RunSummary, extras: RunExtras = {}): void {
  mkdirSync(directory, { recursive: true });
  const jsonLines = (rows: unknown[]) => rows.map((row) => JSON.stringify(row)).join('\n') + (rows.length ? '\n' : '');
  writeFileSync(join(directory, 'results.jsonl'), jsonLines(records));
  const server = extras.serverSamples ? summarizeServerSamples(extras.serverSamples) : undefined;
  if (extras.serverSamples?.length) writeFileSync(join(directory, 'server_metrics.jsonl'), jsonLines(extras.serverSamples));
  writeFileSync(join(directory, 'summary.json'), JSON.stringify({ ...info, ...summary, ...(server ? { server } : {}) }, null, 2) + '\n');
  writeFileSync(join(directory, 'report.md'), renderReport(info, summary));
  if (extras.vllm) writeFileSync(join(directory, 'vllm_result.json'), JSON.stringify(toVllmResult(info, records, summary, extras.vllm)) + '\n');
}
