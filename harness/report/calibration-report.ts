import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSvg, type ChartSpec } from './charts';

/** One load of a calibration: what the endpoint measured and what the twin gives on the same requests. */
export interface CalibrationRow {
  role: 'fit' | 'validation';
  directory: string;
  load: string;
  concurrency: number;
  measured: { ttft_ms: number; tpot_ms: number };
  twin: { ttft_ms: number; tpot_ms: number };
}

export interface CalibrationReportInput {
  target: string;
  model: string;
  verdict: { pass: boolean; maxError: number; explanation: string[] };
  structure: { chosen: string; route: string; forms: Array<{ family: string; summary: string; leave_one_load_out_error: number | null }> };
  /** endpoint prompt tokens = ratio × tokenbench's count + offset. */
  promptTokens: { ratio: number; offset: number };
  /** The profile's main knobs, as `name: value` lines. */
  knobs: Record<string, unknown>;
  rows: CalibrationRow[];
  /** The rows charted against concurrency (loads of one request shape; the single-request probes differ). */
  curveRows: CalibrationRow[];
  /** Probe steps not run or dropped, with why. */
  notes: string[];
  /** The validation rows' twin figures come from the twin served and measured (else from its simulation). */
  validationServed?: boolean;
}

const CHARTS = [
  { figure: 'ttft_ms', title: 'TTFT median against concurrency', file: 'ttft.svg', axis: 'TTFT median (ms)' },
  { figure: 'tpot_ms', title: 'TPOT median against concurrency', file: 'tpot.svg', axis: 'TPOT median (ms)' },
] as const;

/** Endpoint and twin on one chart: one line each over the concurrency of the closed-loop loads, validation loads marked. */
export function twinCurveChart(rows: CalibrationRow[], figure: 'ttft_ms' | 'tpot_ms', title: string, axis: string): ChartSpec {
  const values = [...rows]
    .sort((a, b) => a.concurrency - b.concurrency)
    .flatMap((row) =>
      (['endpoint', 'twin'] as const).map((series) => {
        const value = Number((series === 'endpoint' ? row.measured : row.twin)[figure].toFixed(2));
        return { concurrency: row.concurrency, value, series, role: row.role, description: `${series} at ${row.load} (${row.role}): ${value} ms` };
      }),
    );
  const x = { field: 'concurrency', type: 'quantitative', title: 'concurrency (requests in flight)', scale: { type: 'log' } };
  const y = { field: 'value', type: 'quantitative', title: axis };
  return {
    title,
    width: 560,
    height: 260,
    data: { values },
    layer: [
      { mark: { type: 'line' }, encoding: { x, y, color: { field: 'series', type: 'nominal', title: null } } },
      { mark: { type: 'point', filled: true, size: 70 }, encoding: { x, y, color: { field: 'series', type: 'nominal', title: null }, shape: { field: 'role', type: 'nominal', title: 'load' }, description: { field: 'description' } } },
    ],
  };
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : '—');
const error = (twin: number, measured: number) => {
  const relative = twin / measured - 1;
  return Number.isFinite(relative) ? `${relative >= 0 ? '+' : ''}${(relative * 100).toFixed(1)}%` : '—';
};

export function renderCalibrationReport(input: CalibrationReportInput): string {
  const rows = [...input.rows].sort((a, b) => (a.role === b.role ? a.concurrency - b.concurrency : a.role === 'fit' ? -1 : 1));
  return [
    `# tokenbench calibrate: a twin of ${input.model} at ${input.target}`,
    '',
    `**Verdict: ${input.verdict.pass ? 'PASS' : 'MISS'}** (worst median error on loads never fitted, bar ${(input.verdict.maxError * 100).toFixed(0)}%)`,
    '',
    ...input.verdict.explanation.map((line) => `- ${line}`),
    '',
    '## Measured against the twin, per load',
    '',
    '| role | load | TTFT endpoint (ms) | TTFT twin (ms) | error | TPOT endpoint (ms) | TPOT twin (ms) | error |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row.role} | ${row.load} | ${ms(row.measured.ttft_ms)} | ${ms(row.twin.ttft_ms)} | ${error(row.twin.ttft_ms, row.measured.ttft_ms)} | ${ms(row.measured.tpot_ms)} | ${ms(row.twin.tpot_ms)} | ${error(row.twin.tpot_ms, row.measured.tpot_ms)} |`),
    '',
    input.validationServed
      ? "Twin figures of the fit rows are its simulation on the virtual clock, replaying each load's own requests; of the validation rows, the twin served by `tokenbench serve` in a process of its own and measured with the same requests."
      : "The twin's figures are its simulation on the virtual clock, replaying each load's own requests.",
    '',
    '## Structure',
    '',
    `Route: **${input.structure.route}**; chosen: **${input.structure.chosen}**.`,
    '',
    '| structure | what it assumes | leave-one-load-out worst error |',
    '| --- | --- | --- |',
    ...input.structure.forms.map((form) => `| ${form.family} | ${form.summary} | ${form.leave_one_load_out_error === null ? '—' : `${(form.leave_one_load_out_error * 100).toFixed(1)}%`} |`),
    '',
    `Prompt tokens: the endpoint counts **${input.promptTokens.ratio}** per tokenbench (o200k) token${input.promptTokens.offset ? ` ${input.promptTokens.offset > 0 ? '+' : '−'} ${Math.abs(input.promptTokens.offset)} (its chat template against ours)` : ''}, measured from \`usage.prompt_tokens\` against tokenbench's count of the same requests; the twin prefills the same text at that many tokens.`,
    '',
    '## Fitted knobs',
    '',
    '```yaml',
    ...Object.entries(input.knobs).map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`),
    '```',
    '',
    ...(input.notes.length ? ['## Probe notes', '', ...input.notes.map((note) => `- ${note}`), ''] : []),
    '## Charts',
    '',
    ...CHARTS.flatMap((chart) => [`![${chart.title}](${chart.file})`, '']),
  ].join('\n');
}

/** Writes report.md and its two SVG charts into `directory`. */
export async function writeCalibrationReport(directory: string, input: CalibrationReportInput): Promise<void> {
  const closed = input.curveRows.filter((row) => Number.isFinite(row.concurrency) && row.concurrency > 0);
  for (const chart of CHARTS) writeFileSync(join(directory, chart.file), await renderSvg(twinCurveChart(closed, chart.figure, chart.title, chart.axis)));
  writeFileSync(join(directory, 'report.md'), renderCalibrationReport(input));
}
