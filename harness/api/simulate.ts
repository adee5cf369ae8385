import { describeKind, loadProfile, type Profile } from '../../server/profiles';
import { join } from 'node:path';
import { writeRunDirectory } from '../results/run-dir';
import { RunRecorder } from '../results/run-recorder';
import { simulateOnVirtualClock } from '../simulate/simulate';
import type { OutputOptions, RunHooks, WorkloadOptions } from './options';
import { describeLoad, loadPatternOf, parseSlo, runInfo, runPlanOf, workloadOf } from './plan';
import type { RunResult } from './run-benchmark';

export interface SimulateOptions extends WorkloadOptions, OutputOptions, Pick<RunHooks, 'log' | 'onRecord'> {
  /** A built-in profile name, a YAML/JSON file, or a parsed profile. */
  profile: string | Profile;
}

export interface SimulationResult extends RunResult {
  /** Wall-clock seconds the simulation took (`summary.duration_s` is simulated time). */
  wall_s: number;
  preemptions: number;
}

/**
 * Runs a workload through a profile's engine on a virtual clock, as `tokenbench simulate` does: the
 * records have a real run's shape and, for a seed, repeat to the bit.
 */
export async function simulate(options: SimulateOptions): Promise<SimulationResult> {
  const profile = typeof options.profile === 'string' ? loadProfile(options.profile) : options.profile;
  const workload = workloadOf(options);
  const pattern = loadPatternOf(options);
  const load = describeLoad(pattern, workload, options.rampUp_s);
  const started_at = new Date().toISOString();
  const plan = runPlanOf(options, workload, pattern, 0);
  const recorder = new RunRecorder({ file: options.out ? join(options.out, 'results.jsonl') : undefined, slo: parseSlo(options.slo) });
  const onRecord = options.onRecord;
  const outcome = simulateOnVirtualClock(profile, workload, plan, onRecord ? { add: (record) => (recorder.add(record), onRecord(record)) } : recorder);
  const summary = { ...recorder.summary(outcome.duration_s), engine: outcome.engine };
  options.log?.(
    `tokenbench simulate: ${profile.name} (${describeKind(profile)}), ${workload.description}, ${load}: ` +
      `${outcome.duration_s.toFixed(1)} simulated s in ${outcome.wall_s.toFixed(2)} wall s, ${outcome.preemptions} preemptions`,
  );
  // The date is the only wall-clock value, and it stays out of results.jsonl (which repeats to the bit).
  const info = runInfo(
    { target: `simulated ${profile.name}`, model: profile.model, api: 'engine (virtual clock)', profile: profile.name },
    { workload, pattern, load, seed: plan.seed, started_at, interrupted: false },
  );
  if (options.out) await writeRunDirectory(options.out, info, recorder, summary, { csv: options.csv });
  await recorder.close();
  return { info, summary, records: recorder.records(), record_count: recorder.count, serverSamples: [], directory: options.out, wall_s: outcome.wall_s, preemptions: outcome.preemptions };
}
