import { Command } from 'commander';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { compareBarsChart, renderSvg, ttftCdfChart } from '../harness/report/charts';
import { compareRuns, renderComparison } from '../harness/compare/compare';
import { calibrate, formatFitErrors } from '../harness/calibrate/calibrate';
import { readRunDirectory, writeRunDirectory } from '../harness/results/run-dir';
import { writeSweepReport } from '../harness/report/sweep-report';
import { StreamClient } from '../harness/client/stream-client';
import { runLoad } from '../harness/load/runner';
import { middleValue } from '../harness/metrics/percentiles';
import { SyntheticWorkload } from '../harness/workload/synthetic';
import { startServer } from '../server';
import type { RunInfo, SweepPoint } from '../harness/types/run';

function parseTolerance(text: string): number {
  const value = Number(text.replace(/%$/, ''));
  if (!Number.isFinite(value) || value < 0) throw new Error(`bad --tolerance "${text}" (e.g. 10%)`);
  return text.endsWith('%') || value >= 1 ? value / 100 : value;
}

export function reportCommand(): Command {
  return new Command('report')
    .description("regenerate a run's (or a sweep's) report.md and charts from its files")
    .argument('<dir>', 'run or sweep directory')
    .option('--csv', "also write the report's tables as CSV")
    .action(async (directory: string, options) => {
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
      process.stdout.write(`report: ${join(directory, 'report.md')}\n`);
    });
}

export function compareCommand(): Command {
  return new Command('compare')
    .description('runs side by side: deltas and % differences per metric and percentile, verdicts against a tolerance')
    .argument('<dirs...>', 'run directories (the first is the baseline; a real endpoint goes first against a mock)')
    .option('--label <labels>', 'comma-separated names for the runs (default: directory names)')
    .option('--tolerance <pct>', 'verdict tolerance', '10%')
    .option('--out <file>', 'write the Markdown (and overlaid charts beside it) here')
    .action(async (directories: string[], options) => {
      const runs = directories.map((directory) => readRunDirectory(directory));
      const labels: string[] = options.label ? String(options.label).split(',') : directories.map((directory) => basename(resolve(directory)));
      if (labels.length !== runs.length) throw new Error(`--label gives ${labels.length} names for ${runs.length} runs`);
      const comparison = compareRuns(runs, labels, parseTolerance(options.tolerance));
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
      process.stdout.write(markdown);
    });
}

/**
 * What tokenbench's own serving costs per request over loopback (HTTP, request handling, the first
 * chunk), measured as the median TTFT of a zero-latency mock given prompts of the runs' length.
 */
async function measureServingOverhead(promptTokens: number): Promise<number> {
  const server = await startServer({ port: 0, profiles: ['instant'], defaultMetrics: false });
  const client = new StreamClient({ baseURL: server.baseURL, model: 'instant-model', api: 'chat', connections: 1, timeout_ms: 10_000, fixOutputLength: true });
  try {
    const workload = new SyntheticWorkload({ prompt: { dist: 'constant', value: promptTokens }, output: { dist: 'constant', value: 2 }, prefix: 0 }, 0);
    const outcome = await runLoad(client, workload, { pattern: { kind: 'closed', concurrency: 1 }, requests: 20, warmup: 5, seed: 0 }, new AbortController().signal);
    const ttfts = outcome.records.filter((record) => record.ok).map((record) => record.ttft_ms!);
    return middleValue(ttfts) ?? 0;
  } finally {
    await client.close();
    await server.close();
  }
}

export function calibrateCommand(): Command {
  return new Command('calibrate')
    .description('fit a profile to runs against a real endpoint (ideally at several loads); serve it with --profile')
    .argument('<dirs...>', 'run directories measured against the endpoint')
    .requiredOption('--out <file>', 'profile YAML to write')
    .option('--holdout <dirs...>', 'runs kept out of the fit, to report out-of-sample error')
    .option('--model <id>', 'served model id of the fitted profile (default: the runs\' model)')
    .option('--max-num-seqs <n>', 'batch limit of the fitted profile (client measurements cannot see it unless a run saturated)', Number)
    .action(async (directories: string[], options) => {
      const runs = directories.map((directory) => readRunDirectory(directory));
      const holdout = ((options.holdout as string[] | undefined) ?? []).map((directory) => readRunDirectory(directory));
      // Every request pays tokenbench's own serving overhead, measured here; a tokenbench endpoint's front
      // end is exactly that, any other endpoint's may cost more.
      const servedByTokenbench = runs.every((run) => run.info.served_by === 'tokenbench');
      const localOverhead_ms = await measureServingOverhead(middleValue(runs.flatMap((run) => run.records.map((record) => record.prompt_tokens))) ?? 256);
      const fit = calibrate(runs, holdout, { model: options.model, maxNumSeqs: options.maxNumSeqs, localOverhead_ms, endpointIsTokenbench: servedByTokenbench });
      const header = `# Fitted by tokenbench calibrate from ${directories.join(', ')}\n# Serve it: tokenbench serve --profile ${options.out}\n`;
      writeFileSync(options.out, header + toYaml(fit.profile));
      process.stdout.write(formatFitErrors(fit) + `\nprofile: ${options.out}\n`);
    });
}
