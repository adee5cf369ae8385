import { writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { compareRuns, renderComparison, type Comparison } from '../compare/compare';
import { compareBarsChart, renderSvg, ttftCdfChart } from '../report/charts';
import { readRunDirectory, type LoadedRun } from '../results/run-dir';

export interface CompareOptions {
  /** Run directories (or runs already read); the first is the baseline (a real endpoint goes first against a mock). */
  runs: Array<string | LoadedRun>;
  /** Names for the runs (default: directory names). */
  labels?: string[];
  /** Relative tolerance of the verdicts (default 0.1). */
  tolerance?: number;
  /** Write the Markdown here, with overlaid charts beside it. */
  out?: string;
}

export interface CompareResult {
  comparison: Comparison;
  markdown: string;
}

/** Runs side by side, as `tokenbench compare` does: deltas and % differences per metric and percentile, verdicts against a tolerance. */
export async function compare(options: CompareOptions): Promise<CompareResult> {
  const runs = options.runs.map((run) => (typeof run === 'string' ? readRunDirectory(run) : run));
  const labels = options.labels ?? runs.map((run) => basename(resolve(run.directory)));
  if (labels.length !== runs.length) throw new Error(`--label gives ${labels.length} names for ${runs.length} runs`);
  const comparison = compareRuns(runs, labels, options.tolerance ?? 0.1);
  const charts: Array<{ file: string; title: string }> = [];
  if (options.out) {
    const stem = basename(options.out).replace(/\.md$/, '');
    const labeled = runs.map((run, index) => ({ label: labels[index], records: run.records, summary: run.summary }));
    for (const [suffix, title, spec] of [
      ['ttft-cdf', 'TTFT cumulative distributions, overlaid', ttftCdfChart(labeled)],
      ['medians', 'Median latencies by run', compareBarsChart(labeled)],
    ] as const) {
      const file = `${stem}-${suffix}.svg`;
      writeFileSync(join(dirname(options.out), file), await renderSvg(spec));
      charts.push({ file, title });
    }
  }
  const markdown = renderComparison(comparison, charts);
  if (options.out) writeFileSync(options.out, markdown);
  return { comparison, markdown };
}
