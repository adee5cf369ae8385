import { writeRunDirectory } from '../results/run-dir';
import { RunRecorder } from '../results/run-recorder';
import { join } from 'node:path';
import { finishLiveMetrics, runLabels, startLiveMetrics } from '../telemetry/live';
import type { RequestRecord } from '../types/record';
import { checkShard, parseShard } from '../load/shard';
import type { RunInfo, RunSummary, ServerSample, Shard } from '../types/run';
import { measure } from './measure';
import type { LiveMetricsOptions, OutputOptions, RunHooks, TargetOptions, WorkloadOptions } from './options';
import { describeLoad, loadPatternOf, parseSlo, runInfo, runPlanOf, vllmLoadSettings, workloadOf } from './plan';
import { openTarget, targetHint } from './target';
import { WarmupFailedError } from '../load/runner';

export interface BenchmarkOptions extends TargetOptions, WorkloadOptions, LiveMetricsOptions, OutputOptions, RunHooks {
  /** Also write vllm_result.json with vLLM `bench serve`'s field names. */
  format?: 'vllm';
  /**
   * Send only this shard's slice of the run (`{ index, count }` or `'I/N'`, 0-based): request ids
   * ≡ index (mod count), at 1/count of the concurrency or rate; `merge` joins the shards' directories.
   */
  shard?: Shard | string;
}

/** A finished run: what ran, its summary (vLLM's definitions), every request's record, and the target's /metrics series. */
export interface RunResult {
  info: RunInfo;
  summary: RunSummary;
  /** Every record by id, or beyond KEPT_RECORDS_LIMIT a uniform sample of them (results.jsonl has all). */
  records: RequestRecord[];
  /** How many records the run made (more than `records` when they are a sample). */
  record_count?: number;
  serverSamples: ServerSample[];
  /** The run directory, when `out` asked for one. */
  directory?: string;
}

/**
 * Benchmarks an OpenAI-compatible endpoint (or, without `target`, an embedded mock) with one
 * workload at one load, as `tokenbench run` does. Aborting `signal` stops sending and still returns
 * (and writes) everything measured, marked interrupted.
 */
export async function runBenchmark(options: BenchmarkOptions = {}): Promise<RunResult> {
  const target = await openTarget(options);
  try {
    const workload = workloadOf(options);
    const pattern = loadPatternOf(options);
    const shard = typeof options.shard === 'string' ? parseShard(options.shard) : options.shard && checkShard(options.shard);
    const slo = parseSlo(options.slo);
    const load = describeLoad(pattern, workload, options.rampUp_s, shard);
    options.log?.(`tokenbench run: ${target.model} at ${target.baseURL}, ${workload.description}, ${load}`);
    const started_at = new Date().toISOString();
    const plan = runPlanOf({ ...options, shard }, workload, pattern, options.warmup ?? 1);
    const labels = runLabels(options.runId, started_at, target, shard?.index);
    const live = await startLiveMetrics(options, labels, slo, { workload: workload.description, load }, options.log);
    try {
      // Records stream to results.jsonl as they finish: a run stopped any way keeps every finished line.
      const recorder = new RunRecorder({ file: options.out ? join(options.out, 'results.jsonl') : undefined, slo });
      const { outcome, serverSamples, client } = await measure(target, workload, plan, options, options, shard ? `shard ${shard.index}/${shard.count}` : 'run', live, { sink: recorder }).catch(async (error) => {
        await recorder.close();
        if (error instanceof WarmupFailedError) throw new Error(`${target.baseURL}: ${error.message}${targetHint(target.baseURL, error.record.status)}`);
        throw error;
      });
      const summary = recorder.summary(outcome.duration_s);
      const info = runInfo(
        { target: target.description, model: target.model, served_by: target.servedBy, api: options.api ?? 'chat', profile: target.profile },
        { workload, pattern, load, seed: plan.seed, started_at, interrupted: outcome.interrupted, load_started_epoch_ms: outcome.started_epoch_ms, shard, client },
      );
      if (options.out) {
        await writeRunDirectory(options.out, info, recorder, summary, { serverSamples, csv: options.csv, vllm: options.format === 'vllm' ? vllmLoadSettings(pattern) : undefined });
      }
      await recorder.close();
      return { info, summary, records: recorder.records(), record_count: recorder.count, serverSamples, directory: options.out };
    } finally {
      await finishLiveMetrics(live, options, options.log);
    }
  } finally {
    await target.close();
  }
}
