import { Command, Option } from 'commander';
import { defaultDirectory, runBenchmark, shardFrom } from '../harness';
import { addWorkloadOptions, printRun, workloadOptionsFrom } from './load-options';
import { addTargetOptions, interruptOnSigint, targetOptionsFrom } from './target';

export function runCommand(): Command {
  const command = new Command('run').description('benchmark an OpenAI-compatible endpoint (no --target: an embedded mock)');
  addTargetOptions(command)
    .addOption(new Option('--format <format>', 'also write vllm_result.json with vLLM bench serve field names').choices(['vllm']))
    .addOption(new Option('--shard <I/N>', 'send only shard I of N (0-based; also TOKENBENCH_SHARD): request ids ≡ I mod N at 1/N of the concurrency or rate; join the shards with `tokenbench merge`'))
    .addOption(new Option('--shards <n>', 'as a Kubernetes Indexed Job: shard JOB_COMPLETION_INDEX of N').argParser(Number));
  return addWorkloadOptions(command).action(async (options) => {
    const interrupt = interruptOnSigint();
    try {
      const result = await runBenchmark({
        ...targetOptionsFrom(options),
        ...workloadOptionsFrom(options),
        format: options.format,
        shard: shardFrom(options),
        out: options.out ?? defaultDirectory(new Date().toISOString()),
        signal: interrupt.signal,
      });
      printRun(result, options.json);
      // A run in which nothing succeeded measured nothing: a CI job must not read it as a pass.
      if (result.summary.completed === 0 && result.summary.failed > 0) {
        const kinds = Object.entries(result.summary.errors).map(([kind, count]) => `${kind.replace(/: $/, '')} × ${count}`).join(', ');
        process.stderr.write(`tokenbench run: every request failed (${kinds}) against ${result.info.target}; ${result.directory} holds the records\n`);
        process.exitCode = 1;
      }
    } finally {
      interrupt.dispose();
    }
  });
}
