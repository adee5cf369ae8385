import { closeSync, existsSync, mkdirSync, openSync, readSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { summarizeServerSamples } from '../telemetry/server-scrape';
import { inFlightChart, itlHistogramChart, renderSvg, serverSeriesChart, throughputChart, ttftCdfChart, type ChartSpec } from '../report/charts';
import { renderReport, type ChartLink } from '../report/report';
import { toVllmResult } from './vllm-format';
import { writeSummaryCsv } from '../report/csv';
import { RunRecorder } from './run-recorder';
import type { RequestRecord } from '../types/record';
import type { LoadPattern, RunInfo, RunSummary, ServerSample, VllmLoadSettings } from '../types/run';


/** What a run may add to its directory beyond the files every run has. */
export interface RunExtras {
  /** The target's /metrics series (server_metrics.jsonl; a brief in summary.json's `server`). */
  serverSamples?: ServerSample[];
  /** Also write vLLM's result JSON (`--format vllm`). */
  vllm?: VllmLoadSettings;
  /** Also write the report's tables as CSV (`--csv`). */
  csv?: boolean;
}

const jsonLines = (rows: unknown[]) => rows.map((row) => JSON.stringify(row)).join('\n') + (rows.length ? '\n' : '');

/** The run's charts, as files beside report.md; `weight` is how many requests each record stands for (1 unless sampled). */
async function writeCharts(directory: string, records: RequestRecord[], summary: RunSummary, serverSamples: ServerSample[], weight: number): Promise<ChartLink[]> {
  const charts: Array<[string, string, ChartSpec]> = [];
  const sample = weight > 1 ? ` (from a uniform sample of ${records.length} requests)` : '';
  if (summary.completed > 0 && records.some((record) => record.ok)) {
    charts.push(['ttft-cdf.svg', `TTFT, cumulative distribution${sample}`, ttftCdfChart([{ label: 'this run', records, summary }])]);
    if (summary.itl_ms.count > 0) charts.push(['itl-histogram.svg', `Inter-token latency histogram${sample}`, itlHistogramChart(records, summary)]);
    charts.push(['throughput.svg', `Output tokens per second over time${sample}`, throughputChart(records, weight)]);
  }
  if (records.length > 0) charts.push(['in-flight.svg', `Requests in flight over time${sample}`, inFlightChart(records, weight)]);
  if (serverSamples.length > 1) charts.push(['server-metrics.svg', "The server's running, waiting and KV usage", serverSeriesChart(serverSamples)]);
  for (const [file, , spec] of charts) writeFileSync(join(directory, file), await renderSvg(spec));
  return charts.map(([file, title]) => ({ file, title }));
}

/**
 * Writes the run directory of docs/DESIGN.md §3: results.jsonl, summary.json, report.md with its SVG charts;
 * plus server_metrics.jsonl when the target's /metrics was scraped, vllm_result.json and CSV tables
 * on request.
 */
export async function writeRunDirectory(directory: string, info: RunInfo, recorded: readonly RequestRecord[] | RunRecorder, summary: RunSummary, extras: RunExtras = {}): Promise<void> {
  mkdirSync(directory, { recursive: true });
  let records: RequestRecord[];
  let weight = 1;
  if (recorded instanceof RunRecorder) {
    // Its results.jsonl was written record by record as the run went.
    await recorded.close();
    records = recorded.records();
    if (!recorded.writesFile) writeFileSync(join(directory, 'results.jsonl'), jsonLines(records));
    weight = records.length ? recorded.count / records.length : 1;
  } else {
    records = [...recorded];
    writeFileSync(join(directory, 'results.jsonl'), jsonLines(records));
  }
  const samples = extras.serverSamples ?? [];
  const server = summarizeServerSamples(samples);
  if (samples.length) writeFileSync(join(directory, 'server_metrics.jsonl'), jsonLines(samples));
  writeFileSync(join(directory, 'summary.json'), JSON.stringify({ ...info, ...summary, ...(server ? { server } : {}) }, null, 2) + '\n');
  if (extras.vllm) writeFileSync(join(directory, 'vllm_result.json'), JSON.stringify(toVllmResult(info, records, summary, extras.vllm)) + '\n');
  // The data is on disk before charts are drawn: an interrupted or failing render loses no measurement.
  const charts = await writeCharts(directory, records, summary, samples, weight);
  writeFileSync(join(directory, 'report.md'), renderReport(info, summary, charts, server));
  if (extras.csv) writeSummaryCsv(directory, summary);
}

/** A run directory read back (for `report`, `compare`, `calibrate`). */
export interface LoadedRun {
  directory: string;
  info: RunInfo;
  summary: RunSummary;
  /** Every record, by id; beyond KEPT_RECORDS_LIMIT a uniform sample (`record_count` says how many there are). */
  records: RequestRecord[];
  record_count?: number;
  serverSamples: ServerSample[];
}

/**
 * Calls `each` with every line's JSON, reading 1 MiB at a time: a results.jsonl of an hour's run is
 * larger than the longest string V8 can hold. A malformed line names the file and line.
 */
export function forEachJsonLine(path: string, each: (row: unknown) => void): void {
  if (!existsSync(path)) return;
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(1 << 20);
    const decoder = new TextDecoder();
    let rest = '';
    let lineNumber = 0;
    const parse = (line: string) => {
      lineNumber++;
      if (!line.trim()) return;
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch (error) {
        throw new Error(`${path}:${lineNumber}: not a JSON line (${(error as Error).message})`);
      }
      each(row);
    };
    for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer)) {
      const lines = (rest + decoder.decode(buffer.subarray(0, read), { stream: true })).split('\n');
      rest = lines.pop()!;
      lines.forEach(parse);
    }
    parse(rest + decoder.decode());
  } finally {
    closeSync(fd);
  }
}

const readJsonLines = <T>(path: string): T[] => {
  const rows: T[] = [];
  forEachJsonLine(path, (row) => rows.push(row as T));
  return rows;
};

// summary.json holds the run info and the summary side by side; these keys are the info's.
const RUN_INFO_KEYS = ['target', 'model', 'served_by', 'api', 'profile', 'workload', 'load', 'load_pattern', 'seed', 'version', 'started_at', 'machine', 'interrupted', 'load_started_epoch_ms', 'shard', 'client', 'shards'] as const satisfies ReadonlyArray<keyof RunInfo>;
// Fails to compile when RunInfo gains a field this list lacks (it would be read back as summary).
const everyInfoKeyListed: [Exclude<keyof RunInfo, (typeof RUN_INFO_KEYS)[number]>] extends [never] ? true : never = true;
void everyInfoKeyListed;

const METRIC_STATS = new Set(['mean', 'std', 'median', 'p90', 'p95', 'p99', 'min', 'max']);

export function readRunDirectory(directory: string): LoadedRun {
  const summaryPath = join(directory, 'summary.json');
  if (!existsSync(summaryPath)) throw new Error(`${directory} is not a run directory (no summary.json)`);
  let both: Record<string, unknown>;
  try {
    // JSON has no NaN: a metric with no values (a run where every request failed) was written as null.
    both = JSON.parse(readFileSync(summaryPath, 'utf8'), (key, value) => (value === null && METRIC_STATS.has(key) ? NaN : value)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${summaryPath}: not JSON (${(error as Error).message})`);
  }
  const info: Record<string, unknown> = {};
  const summary: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(both)) ((RUN_INFO_KEYS as readonly string[]).includes(key) ? info : summary)[key] = value;
  return {
    directory,
    info: info as unknown as RunInfo,
    summary: summary as unknown as RunSummary,
    ...readRecords(join(directory, 'results.jsonl')),
    serverSamples: readJsonLines<ServerSample>(join(directory, 'server_metrics.jsonl')),
  };
}

/** A results.jsonl's records, by id, through a recorder that keeps at most KEPT_RECORDS_LIMIT of them. */
function readRecords(path: string): { records: RequestRecord[]; record_count: number } {
  const recorder = new RunRecorder();
  forEachJsonLine(path, (row) => recorder.add(row as RequestRecord));
  return { records: recorder.records(), record_count: recorder.count };
}
