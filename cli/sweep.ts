import { Command, InvalidArgumentError } from 'commander';
import { defaultDirectory, offeredLoad, sweep } from '../harness';
import { DEFAULT_PROFILE } from '../server/profiles';
import { profileFromOptions } from './profile-options';
import { addWorkloadOptions, workloadOptionsFrom } from './load-options';
import { addTargetOptions, interruptOnSigint, targetOptionsFrom } from './target';
import { formatTable } from './table';
import { concurrency, listOf, rate } from './flag-parsers';


export function sweepCommand(): Command {
  const command = new Command('sweep')
    .description('a series of runs over rates or concurrencies that stops one point past saturation, with one report')
    .option('--rates <list>', 'open-loop rates to try, e.g. 1,2,4,8 (tried in increasing order)', listOf(rate))
    .option('--concurrencies <list>', 'concurrencies to try (default 1,2,4,...,512; tried in increasing order)', listOf(concurrency))
    .option('--simulate', 'run each point on the virtual clock with --profile instead of over HTTP');
  addTargetOptions(command);
  return addWorkloadOptions(command).action(async (options) => {
    if (options.minGoodput) throw new InvalidArgumentError('--min-goodput judges one run (run, simulate); a sweep reports goodput per point');
    const interrupt = interruptOnSigint(options.drainTimeout);
    try {
      const result = await sweep({
        ...targetOptionsFrom(options),
        ...workloadOptionsFrom(options),
        profile: options.simulate ? profileFromOptions(options, DEFAULT_PROFILE) : options.profile,
        rates: options.rates,
        concurrencies: options.concurrencies,
        simulate: options.simulate,
        out: options.out ?? defaultDirectory(new Date().toISOString(), 'sweeps'),
        signal: interrupt.signal,
        cancel: interrupt.cancel,
      });
      const rows = result.points.map((point, index) => [
        `${offeredLoad(point.pattern)}${index === result.knee_index ? ' (knee)' : ''}`,
        point.summary.request_throughput,
        point.summary.output_throughput,
        point.summary.ttft_ms.median,
        point.summary.tpot_ms.median,
        point.summary.e2el_ms.p99,
      ]);
      process.stdout.write(formatTable([result.points[0]?.pattern.kind === 'open' ? 'rate req/s' : 'concurrency', 'req/s', 'output tok/s', 'TTFT p50 ms', 'TPOT p50 ms', 'E2EL p99 ms'], rows) + `\nsweep directory: ${result.directory}\n`);
    } finally {
      interrupt.dispose();
    }
  });
}
