import { Command, Option } from 'commander';
import { defaultDirectory, simulate } from '../harness';
import { DEFAULT_PROFILE } from '../server/profiles';
import { addWorkloadOptions, printRun, workloadOptionsFrom } from './load-options';
import { addCompositionOptions, profileFromOptions } from './profile-options';
import { checkMinimumGoodput, reportVerdict } from './verdict';

export function simulateCommand(): Command {
  const command = new Command('simulate')
    .description('run a workload through a profile on a virtual clock (seconds for hours of traffic); writes the same run directory as `run`')
    .addOption(new Option('--profile <name|file>', `profile to simulate (default ${DEFAULT_PROFILE})`));
  addCompositionOptions(command);
  return addWorkloadOptions(command).action(async (options) => {
    checkMinimumGoodput(options);
    const result = await simulate({
      ...workloadOptionsFrom(options),
      profile: profileFromOptions(options, DEFAULT_PROFILE),
      out: options.out ?? defaultDirectory(new Date().toISOString()),
      log: (line) => process.stderr.write(`${line}\n`),
    });
    printRun(result, options.json);
    reportVerdict('simulate', result, options.minGoodput);
  });
}
