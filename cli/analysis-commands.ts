import { Command } from 'commander';
import { calibrate, compare, formatFitErrors, merge, regenerateReport } from '../harness';
import { printRun } from './load-options';

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
      process.stdout.write(`report: ${await regenerateReport(directory, { csv: options.csv })}\n`);
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
      const { markdown } = await compare({
        runs: directories,
        labels: options.label ? String(options.label).split(',') : undefined,
        tolerance: parseTolerance(options.tolerance),
        out: options.out,
      });
      process.stdout.write(markdown);
    });
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
      const fit = await calibrate({ runs: directories, holdout: options.holdout, model: options.model, maxNumSeqs: options.maxNumSeqs, out: options.out });
      process.stdout.write(formatFitErrors(fit) + `\nprofile: ${options.out}\n`);
    });
}

export function mergeCommand(): Command {
  return new Command('merge')
    .description("join a sharded run's directories (run --shard I/N) into one whose summary is exact for all their records")
    .argument('<dirs...>', "the shards' run directories")
    .requiredOption('--out <dir>', 'merged run directory to write')
    .option('--slo <spec>', 'goodput SLOs of the merged summary, e.g. ttft_ms=500,tpot_ms=50')
    .option('--json', 'print summary.json on stdout instead of the table')
    .option('--csv', "also write the report's tables as CSV")
    .action(async (directories: string[], options) => {
      const result = await merge({ runs: directories, out: options.out, slo: options.slo, csv: options.csv, log: (line) => process.stderr.write(`${line}\n`) });
      printRun(result, options.json);
    });
}
