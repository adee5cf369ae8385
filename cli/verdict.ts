import { InvalidArgumentError } from 'commander';
import { targetHint, type RunResult } from '../harness';

/** Exit status of a run whose goodput fell below --min-goodput (every request failing exits 1). */
export const GOODPUT_BELOW_MINIMUM_EXIT = 4;

/** `--min-goodput`: requests per second meeting the SLOs (`5`), or their share of all requests (`90%`). */
export type MinimumGoodput = { per_s: number } | { share: number };

export function minimumGoodput(text: string): MinimumGoodput {
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

/** `--min-goodput` is judged against `--slo`: one without the other is a mistake. */
export function checkMinimumGoodput(options: { minGoodput?: MinimumGoodput; slo?: string }): void {
  if (options.minGoodput && !options.slo) throw new InvalidArgumentError('--min-goodput needs --slo (the SLOs that goodput counts against)');
}

/** Says on stderr why the run fails a CI job, and sets the exit status; nothing when it passes. */
export function reportVerdict(command: string, result: RunResult, minimum?: MinimumGoodput): void {
  const verdict = runVerdict(result, minimum);
  if (!verdict) return;
  process.stderr.write(`tokenbench ${command}: ${verdict.message}\n`);
  process.exitCode = verdict.exitCode;
}
