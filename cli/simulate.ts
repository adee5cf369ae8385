import { Command, Option } from 'commander';
import { summarizeRun } from '../harness/metrics/summary';
import { simulate } from '../harness/simulate/simulate';
import { DEFAULT_PROFILE } from '../server/profiles';
import { addWorkloadOptions, describeLoad, loadPatternFrom, runInfo, parseSlo, publishRun, requestCount, workloadFrom } from './load-options';
import { addCompositionOptions, profileFromOptions } from './profile-options';

export function simulateCommand(): Command {
  const command = new Command('simulate')
    .description('run a workload through a profile on a virtual clock (seconds for hours of traffic); writes the same run directory as `run`')
    .addOption(new Option('--profile <name|file>', `profile to simulate (default ${DEFAULT_PROFILE})`));
  addCompositionOptions(command);
  return addWorkloadOptions(command).action(async (options) => {
    const profile = profileFromOptions(options, DEFAULT_PROFILE);
    const workload = workloadFrom(options);
    const pattern = loadPatternFrom(options);
    const loadText = describeLoad(pattern, workload, options.rampUp);
    const started_at = new Date().toISOString();
    const outcome = simulate(profile, workload, { pattern, requests: requestCount(options, workload), duration_s: options.duration, warmup: 0, seed: options.seed, rampUp_s: options.rampUp });
    const summary = summarizeRun(outcome.records, outcome.duration_s, parseSlo(options.slo));
    process.stderr.write(
      `tokenbench simulate: ${profile.name} (${profile.kind}), ${workload.description}, ${loadText}: ` +
        `${outcome.duration_s.toFixed(1)} simulated s in ${outcome.wall_s.toFixed(2)} wall s, ${outcome.preemptions} preemptions\n`,
    );
    // The date is the only wall-clock value, and it stays out of results.jsonl (which repeats to the bit).
    const info = runInfo(
      { target: `simulated ${profile.name}`, model: profile.model, api: 'engine (virtual clock)', profile: profile.name },
      { workload, pattern, load: loadText, seed: options.seed, started_at, interrupted: false },
    );
    await publishRun(
      info,
      outcome.records,
      summary,
      options,
    );
  });
}
