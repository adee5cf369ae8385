import { Command, Option } from 'commander';
import { summarizeRun } from '../harness/metrics/summary';
import { addWorkloadOptions, describeLoad, loadPatternFrom, runInfo, parseSlo, publishRun, requestCount, vllmLoadSettings, workloadFrom } from './load-options';
import { addTargetOptions, finishLiveMetrics, interruptOnSigint, measure, openTarget, startLiveMetrics } from './target';

export function runCommand(): Command {
  const command = new Command('run').description('benchmark an OpenAI-compatible endpoint (no --target: an embedded mock)');
  addTargetOptions(command).addOption(new Option('--format <format>', 'also write vllm_result.json with vLLM bench serve field names').choices(['vllm']));
  return addWorkloadOptions(command).action(async (options) => {
    const target = await openTarget(options);
    const interrupt = interruptOnSigint();
    try {
      const workload = workloadFrom(options);
      const pattern = loadPatternFrom(options);
      const loadText = describeLoad(pattern, workload, options.rampUp);
      process.stderr.write(`tokenbench run: ${target.model} at ${target.baseURL}, ${workload.description}, ${loadText}\n`);
      const started_at = new Date().toISOString();
      const plan = { pattern, requests: requestCount(options, workload), duration_s: options.duration, warmup: options.warmup, seed: options.seed, rampUp_s: options.rampUp };
      const live = await startLiveMetrics(options, target, { workload: workload.description, load: loadText }, started_at);
      const { outcome, serverSamples } = await measure(target, workload, plan, options, interrupt.signal, 'run', live);
      const summary = summarizeRun(outcome.records, outcome.duration_s, parseSlo(options.slo));
      const info = runInfo(
        { target: target.description, model: target.model, served_by: target.servedBy, api: options.api, profile: target.profile },
        { workload, pattern, load: loadText, seed: options.seed, started_at, interrupted: outcome.interrupted },
      );
      await publishRun(info, outcome.records, summary, options, { serverSamples, vllm: options.format === 'vllm' ? vllmLoadSettings(pattern) : undefined });
      await finishLiveMetrics(live, options);
    } finally {
      interrupt.dispose();
      await target.close();
    }
  });
}
