import type { LoadedRun } from '../results/run-dir';
import type { MetricSummary } from '../types/run';

export const COMPARED_LATENCIES = ['ttft_ms', 'tpot_ms', 'itl_ms', 'e2el_ms'] as const;
export const COMPARED_STATS = ['mean', 'median', 'p90', 'p99'] as const;
export const COMPARED_THROUGHPUTS = ['request_throughput', 'output_throughput'] as const;

export interface ComparedValue {
  metric: string;
  stat: string;
  values: number[];
  /** Each run minus the baseline (the first run). */
  deltas: number[];
  /** Each run's difference from the baseline, as a fraction of it. */
  relative: number[];
}

export interface Verdict {
  metric: string;
  /** What the verdict judges: the median for latencies, the value for throughputs. */
  basis: string;
  /** The relative difference of largest size, any run against the baseline (signed). */
  worst: number;
  within: boolean;
  /** Runs with no value for it (every request failed): no verdict can be given. */
  missing?: string[];
}

export interface Comparison {
  labels: string[];
  tolerance: number;
  /** "real vs modeled" when exactly one side is a mock or a simulation. */
  framing?: { real: string; modeled: string };
  rows: ComparedValue[];
  verdicts: Verdict[];
}

/** A run served by tokenbench's own mock or simulator (the "modeled" side of a comparison). */
export const isModeled = (run: LoadedRun): boolean =>
  run.info.target === 'embedded mock' || run.info.target.startsWith('simulated ') || run.info.profile !== undefined || run.info.served_by === 'tokenbench';

const largest = (values: number[]) => values.reduce((worst, value) => (Math.abs(value) > Math.abs(worst) ? value : worst), 0);

function compared(metric: string, stat: string, values: number[]): ComparedValue {
  const base = values[0];
  const relative = values.map((value) => (!Number.isFinite(base) || !Number.isFinite(value) ? NaN : base === 0 ? (value === 0 ? 0 : Infinity) : (value - base) / base));
  return { metric, stat, values, deltas: values.map((value) => value - base), relative };
}

/** A verdict on one row: the largest difference against the tolerance, or none when a run lacks the value. */
function verdictOf(metric: string, basis: string, row: ComparedValue, labels: string[], tolerance: number): Verdict {
  const missing = labels.filter((_, index) => !Number.isFinite(row.values[index]));
  if (missing.length) return { metric, basis, worst: NaN, within: false, missing };
  const worst = largest(row.relative);
  return { metric, basis, worst, within: Math.abs(worst) <= tolerance };
}

/**
 * Side by side: every latency percentile and throughput of each run against the first (the baseline;
 * the real endpoint when one side is modeled), with a verdict per metric against `tolerance`.
 */
export function compareRuns(runs: LoadedRun[], labels: string[], tolerance: number): Comparison {
  if (runs.length < 2) throw new Error('compare needs at least two run directories');
  const modeled = runs.map(isModeled);
  const framing = modeled.filter(Boolean).length === 1 && runs.length === 2 ? { real: labels[modeled.indexOf(false)], modeled: labels[modeled.indexOf(true)] } : undefined;
  const rows: ComparedValue[] = [];
  const verdicts: Verdict[] = [];
  for (const metric of COMPARED_LATENCIES) {
    for (const stat of COMPARED_STATS) rows.push(compared(metric, stat, runs.map((run) => (run.summary[metric] as MetricSummary | undefined)?.[stat] ?? NaN)));
    verdicts.push(verdictOf(metric, 'median', rows[rows.length - COMPARED_STATS.length + 1], labels, tolerance));
  }
  for (const metric of COMPARED_THROUGHPUTS) {
    // A run with no successful request has no throughput to compare, not a throughput of 0.
    const row = compared(metric, 'value', runs.map((run) => (run.summary.completed > 0 ? run.summary[metric] : NaN)));
    rows.push(row);
    verdicts.push(verdictOf(metric, 'value', row, labels, tolerance));
  }
  return { labels, tolerance, framing, rows, verdicts };
}

const fmt = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
/** A fraction as a signed percentage with one decimal (`+12.3%`); a dash when it is not finite. */
export const signedPercent = (value: number): string => (Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)}%` : '—');

export function renderComparison(comparison: Comparison, charts: Array<{ file: string; title: string }> = []): string {
  const { labels, framing, tolerance } = comparison;
  const others = labels.slice(1);
  const title = framing ? `# Real vs modeled: ${framing.real} (real) and ${framing.modeled} (modeled)` : `# tokenbench compare: ${labels.join(' vs ')}`;
  const verdictRows = comparison.verdicts.map(
    (verdict) =>
      `| ${verdict.metric} (${verdict.basis}) | ${signedPercent(verdict.worst)} | ${
        verdict.missing ? `⚠️ no verdict: no value in ${verdict.missing.join(', ')} (no successful request)` : verdict.within ? `✅ within ${(tolerance * 100).toFixed(0)}%` : `❌ outside ${(tolerance * 100).toFixed(0)}%`
      } |`,
  );
  const header = `| metric | stat | ${labels.join(' | ')} | ${others.map((label) => `Δ ${label}`).join(' | ')} | ${others.map((label) => `% ${label}`).join(' | ')} |`;
  const rule = `| --- | --- | ${labels.map(() => '---').join(' | ')} | ${others.map(() => '---').join(' | ')} | ${others.map(() => '---').join(' | ')} |`;
  const rows = comparison.rows.map((row) => `| ${row.metric} | ${row.stat} | ${row.values.map((value) => fmt(value)).join(' | ')} | ${row.deltas.slice(1).map((delta) => fmt(delta)).join(' | ')} | ${row.relative.slice(1).map(signedPercent).join(' | ')} |`);
  return [
    title,
    '',
    `Baseline: **${labels[0]}**; differences are each run minus the baseline. Tolerance ${(tolerance * 100).toFixed(0)}%.`,
    '',
    '## Verdicts',
    '',
    '| metric | largest difference | verdict |',
    '| --- | --- | --- |',
    ...verdictRows,
    '',
    '## All figures',
    '',
    header,
    rule,
    ...rows,
    '',
    ...charts.flatMap((chart) => [`![${chart.title}](${chart.file})`, '']),
  ].join('\n');
}
