import { Command, Option } from 'commander';
import { CALIBRATION_MISSED_EXIT, calibrate, calibrateTarget, compare, formatFitErrors, merge, regenerateReport } from '../harness';
import { fractionOrPercent, positiveInteger, positiveNumber } from './flag-parsers';
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
    .description("a twin of an endpoint: probe it (--target) or fit runs already measured, validate on loads never fitted, write the profile; exit 3 when the twin misses --max-error")
    .argument('[dirs...]', 'run directories measured against the endpoint (instead of --target)')
    .option('--target <url>', 'probe this OpenAI-compatible endpoint (base URL with /v1) with a plan chosen for identifiability')
    .option('--out <path>', 'directory for profile.yaml, report.md, charts (and the probe runs); a .yaml path writes only the profile')
    .option('--holdout <dirs...>', 'with dirs: runs kept out of the fit, the loads the verdict is judged on')
    .option('--model <id>', "model to ask for, and the twin's served id (default: the endpoint's or the runs')")
    .addOption(new Option('--api <kind>', 'API to call').choices(['chat', 'completions']).default('chat'))
    .option('--api-key-env <name>', 'environment variable holding the API key', 'OPENAI_API_KEY')
    .option('--budget-s <s>', 'seconds the concurrency ladder may take', positiveNumber, 240)
    .option('--max-concurrency <n>', 'highest concurrency of the ladder', positiveInteger, 64)
    .option('--max-error <share>', 'worst median error allowed on the validation loads (0.15 or 15%)', fractionOrPercent, 0.15)
    .option('--prompt-tokens <n>', "prompt length of the ladder's requests (the prefill ladder goes to 4×)", positiveInteger, 256)
    .option('--output-tokens <n>', "answer length of the ladder's requests", positiveInteger, 128)
    .option('--timeout <s>', 'per-request timeout in seconds', positiveNumber, 600)
    .addOption(new Option('--structure <kind>', 'known architecture (physics, needs --hardware) or black box').choices(['auto', 'physics', 'black-box']).default('auto'))
    .option('--hardware <id>', 'catalog hardware of the endpoint (tokenbench hardware): fit the physics profile\'s efficiencies')
    .option('--arch-model <id>', 'catalog model it serves (tokenbench models; default: the served model id)')
    .option('--gpus <n>', 'devices of the known architecture (tensor parallel)', positiveInteger, 1)
    .option('--max-num-seqs <n>', "the endpoint's seats, when known (default: read off its /metrics or the loads)", positiveInteger)
    .action(async (directories: string[], options) => {
      if (!options.out) throw new Error('calibrate: --out is required (a directory, or a .yaml file for the profile only)');
      if (options.target && directories.length) throw new Error('calibrate: give --target or run directories, not both');
      if (!options.target && directories.length === 0) throw new Error('calibrate: give --target URL to probe an endpoint, or run directories to fit');
      if (options.target && /\.ya?ml$/i.test(options.out)) throw new Error('calibrate --target: --out must be a directory (it holds the probe runs and the report)');
      const structure = { structure: options.structure, hardware: options.hardware, archModel: options.archModel, gpus: options.gpus };
      const log = (line: string) => process.stderr.write(`${line}\n`);
      const fit = options.target
        ? await calibrateTarget({
            target: options.target,
            out: options.out,
            model: options.model,
            api: options.api,
            apiKey: process.env[options.apiKeyEnv],
            timeout_s: options.timeout,
            budget_s: options.budgetS,
            maxConcurrency: options.maxConcurrency,
            maxError: options.maxError,
            promptTokens: options.promptTokens,
            outputTokens: options.outputTokens,
            ...structure,
            log,
          })
        : await calibrate({ runs: directories, holdout: options.holdout, model: options.model, maxNumSeqs: options.maxNumSeqs, maxError: options.maxError, out: options.out, ...structure, log });
      process.stdout.write(formatFitErrors(fit) + '\n');
      process.stdout.write(`\n${fit.verdict.pass ? 'PASS' : 'MISS'}: ${fit.verdict.explanation.join('\n  ')}\nprofile: ${fit.profilePath}\n`);
      if (!fit.verdict.pass) process.exitCode = CALIBRATION_MISSED_EXIT;
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
