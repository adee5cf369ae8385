import { Command, Option } from 'commander';
import { defaultDirectory, runBenchmark } from '../harness';
import { addWorkloadOptions, printRun, workloadOptionsFrom } from './load-options';
import { addTargetOptions, interruptOnSigint, targetOptionsFrom } from './target';

export function runCommand(): Command {
  const command = new Command('run').description('benchmark an OpenAI-compatible endpoint (no --target: an embedded mock)');
  addTargetOptions(command).addOption(new Option('--format <format>', 'also write vllm_result.json with vLLM bench serve field names').choices(['vllm']));
  return addWorkloadOptions(command).action(async (options) => {
    const interrupt = interruptOnSigint();
    try {
      const result = await runBenchmark({
        ...targetOptionsFrom(options),
        ...workloadOptionsFrom(options),
        format: options.format,
        out: options.out ?? defaultDirectory(new Date().toISOString()),
        signal: interrupt.signal,
      });
      printRun(result, options.json);
    } finally {
      interrupt.dispose();
    }
  });
}
