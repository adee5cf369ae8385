import { writeFileSync } from 'node:fs';
import { stringify as toYaml } from 'yaml';
import { startServer } from '../../server';
import { fitProfile, type CalibrationResult } from '../calibrate/calibrate';
import { StreamClient } from '../client/stream-client';
import { runLoad } from '../load/runner';
import { middleValue } from '../metrics/percentiles';
import { readRunDirectory, type LoadedRun } from '../results/run-dir';
import { SyntheticWorkload } from '../workload/synthetic';

export interface CalibrateOptions {
  /** Runs measured against the endpoint (directories or runs already read), ideally at several loads. */
  runs: Array<string | LoadedRun>;
  /** Runs kept out of the fit, to report out-of-sample error. */
  holdout?: Array<string | LoadedRun>;
  /** Served model id of the fitted profile (default: the runs' model). */
  model?: string;
  /** Batch limit of the fitted profile (client measurements cannot see it unless a run saturated). */
  maxNumSeqs?: number;
  /** Write the profile YAML here (serve it with `--profile FILE`). */
  out?: string;
}

export interface CalibrateResult extends CalibrationResult {
  /** The profile as YAML, with a header saying where it came from. */
  yaml: string;
}

const asRun = (run: string | LoadedRun): LoadedRun => (typeof run === 'string' ? readRunDirectory(run) : run);

/**
 * What tokenbench's own serving costs per request over loopback (HTTP, request handling, the first
 * chunk), measured as the median TTFT of a zero-latency mock given prompts of the runs' length.
 */
async function measureServingOverhead(promptTokens: number): Promise<number> {
  const server = await startServer({ port: 0, profiles: ['instant'], defaultMetrics: false });
  const client = new StreamClient({ baseURL: server.baseURL, model: 'instant-model', api: 'chat', connections: 1, timeout_ms: 10_000, fixOutputLength: true });
  try {
    const workload = new SyntheticWorkload({ prompt: { dist: 'constant', value: promptTokens }, output: { dist: 'constant', value: 2 }, prefix: 0 }, 0);
    const outcome = await runLoad(client, workload, { pattern: { kind: 'closed', concurrency: 1 }, requests: 20, warmup: 5, seed: 0 }, new AbortController().signal);
    const ttfts = outcome.records.filter((record) => record.ok).map((record) => record.ttft_ms!);
    return middleValue(ttfts) ?? 0;
  } finally {
    await client.close();
    await server.close();
  }
}

/** Fits a `kind: fitted` profile to runs against an endpoint, as `tokenbench calibrate` does: the mock serving it is the endpoint's twin. */
export async function calibrate(options: CalibrateOptions): Promise<CalibrateResult> {
  const runs = options.runs.map(asRun);
  const holdout = (options.holdout ?? []).map(asRun);
  if (runs.length === 0) throw new Error('calibrate needs at least one run');
  // Every request pays tokenbench's own serving overhead, measured here; a tokenbench endpoint's front
  // end is exactly that, any other endpoint's may cost more.
  const endpointIsTokenbench = runs.every((run) => run.info.served_by === 'tokenbench');
  const localOverhead_ms = await measureServingOverhead(middleValue(runs.flatMap((run) => run.records.map((record) => record.prompt_tokens))) ?? 256);
  const fit = fitProfile(runs, holdout, { model: options.model, maxNumSeqs: options.maxNumSeqs, localOverhead_ms, endpointIsTokenbench });
  const header = `# Fitted by tokenbench calibrate from ${runs.map((run) => run.directory).join(', ')}\n` + (options.out ? `# Serve it: tokenbench serve --profile ${options.out}\n` : '');
  const yaml = header + toYaml(fit.profile);
  if (options.out) writeFileSync(options.out, yaml);
  return { ...fit, yaml };
}
