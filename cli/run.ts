import { Command, Option } from 'commander';
import { defaultDirectory, runBenchmark, shardFrom } from '../harness';
import { positiveInteger } from './flag-parsers';
import { addWorkloadOptions, printRun, workloadOptionsFrom } from './load-options';
import { checkMinimumGoodput, reportVerdict } from './verdict';
import { addTargetOptions, interruptOnSigint, targetOptionsFrom } from './target';

export function runCommand(): Command {
  const command = new Command('run').description('benchmark an OpenAI-compatible endpoint (no --target: an embedded mock)');
  addTargetOptions(command)
    .addOption(new Option('--format <format>', 'also write vllm_result.json with vLLM bench serve field names').choices(['vllm']))
    .addOption(new Option('--shard <I/N>', 'send only shard I of N (0-based; also TOKENBENCH_SHARD): request ids ≡ I mod N at 1/N of the concurrency or rate; join the shards with `tokenbench merge`'))
    .addOption(new Option('--shards <n>', 'as a Kubernetes Indexed Job: shard JOB_COMPLETION_INDEX of N').argParser(positiveInteger));
  return addWorkloadOptions(command).action(async (options) => {
    checkMinimumGoodput(options);
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
      reportVerdict('run', result, options.minGoodput);
    } finally {
      interrupt.dispose();
    }
  });
}
