import { Command, InvalidArgumentError, Option } from 'commander';
import { defaultDirectory, runBenchmark, shardFrom, targetHint, type RunResult } from '../harness';
import { positiveInteger } from './flag-parsers';
import { addWorkloadOptions, printRun, workloadOptionsFrom } from './load-options';
import { addTargetOptions, interruptOnSigint, targetOptionsFrom } from './target';

/** Exit status of a run whose goodput fell below --min-goodput (every request failing exits 1). */
export const GOODPUT_BELOW_MINIMUM_EXIT = 4;

/** `--min-goodput`: requests per second meeting the SLOs (`5`), or their share of all requests (`90%`). */
export type MinimumGoodput = { per_s: number } | { share: number };

function minimumGoodput(text: string): MinimumGoodput {
  const trimmed = text.trim();
  const value = Number(trimmed.endsWith('%') ? trimmed.slice(0, -1) : trimmed);
  if (trimmed === '' || !Number.isFinite(value) || value < 0) throw new InvalidArgumentError('Expected req/s meeting the SLOs (e.g. 5) or a share of requests (e.g. 90%).');
  if (!trimmed.endsWith('%')) return { per_s: value };
  if (value > 100) throw new InvalidArgumentError('Expected a share of at most 100%.');
  return { share: value / 100 };
}

/** Why this run should fail a CI job, or undefined: nothing succeeded, or goodput below the minimum. */
export function runVerdict(result: RunResult, minimum?: MinimumGoodput): { message: string; exitCode: number } | undefined {
  const { summary } = result;
  // A run in which nothing succeeded measured nothing: a CI job must not read it as a pass.
  if (summary.completed === 0 && summary.failed > 0) {
    const messages = summary.error_messages ?? {};
    const kinds = Object.entries(summary.errors).map(([kind, count]) => `${kind.replace(/: $/, '')} × ${count}${messages[kind] ? `: ${messages[kind]}` : ''}`).join(', ');
    const status = Number(/^http_(\d+)/.exec(Object.keys(summary.errors)[0] ?? '')?.[1] ?? 0);
    const hint = result.info.target.startsWith('http') ? targetHint(result.info.target, status) : '';
    return { message: `every request failed (${kinds}) against ${result.info.target}${hint}; ${result.directory ?? 'the records'} holds the records`, exitCode: 1 };
  }
  if (!minimum) return undefined;
  const [measured, wanted, unit] = 'share' in minimum ? [(summary.slo_attainment ?? 0) * 100, minimum.share * 100, '% of requests'] : [summary.goodput ?? 0, minimum.per_s, ' req/s'];
  if (measured >= wanted) return undefined;
  return { message: `goodput ${measured.toFixed(2)}${unit} met the SLOs, below --min-goodput ${wanted}${unit}`, exitCode: GOODPUT_BELOW_MINIMUM_EXIT };
}

export function runCommand(): Command {
  const command = new Command('run').description('benchmark an OpenAI-compatible endpoint (no --target: an embedded mock)');
  addTargetOptions(command)
    .addOption(new Option('--format <format>', 'also write vllm_result.json with vLLM bench serve field names').choices(['vllm']))
    .addOption(new Option('--shard <I/N>', 'send only shard I of N (0-based; also TOKENBENCH_SHARD): request ids ≡ I mod N at 1/N of the concurrency or rate; join the shards with `tokenbench merge`'))
    .addOption(new Option('--shards <n>', 'as a Kubernetes Indexed Job: shard JOB_COMPLETION_INDEX of N').argParser(positiveInteger))
    .addOption(new Option('--min-goodput <r|p%>', `with --slo: exit ${GOODPUT_BELOW_MINIMUM_EXIT} unless this many req/s (or this share of requests) met the SLOs`).argParser(minimumGoodput));
  return addWorkloadOptions(command).action(async (options) => {
    if (options.minGoodput && !options.slo) throw new InvalidArgumentError('--min-goodput needs --slo (the SLOs that goodput counts against)');
    const interrupt = interruptOnSigint(options.drainTimeout);
    try {
      const result = await runBenchmark({
        ...targetOptionsFrom(options),
        ...workloadOptionsFrom(options),
        format: options.format,
        shard: shardFrom(options),
        out: options.out ?? defaultDirectory(new Date().toISOString()),
        signal: interrupt.signal,
        cancel: interrupt.cancel,
      });
      printRun(result, options.json);
      const verdict = runVerdict(result, options.minGoodput);
      if (verdict) {
        process.stderr.write(`tokenbench run: ${verdict.message}\n`);
        process.exitCode = verdict.exitCode;
      }
    } finally {
      interrupt.dispose();
    }
  });
}
