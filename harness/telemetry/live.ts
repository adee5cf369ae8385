import { HarnessMetrics, type RunLabels } from './prometheus';
import type { Slo } from '../types/run';

/** The labels of a run's live series: its id (the start time unless given), target, model and shard index. */
export const runLabels = (runId: string | undefined, started_at: string, target: { description: string; model: string }, shardIndex?: number): RunLabels => ({
  run_id: runId ?? started_at,
  target: target.description,
  model: target.model,
  shard: shardIndex === undefined ? '' : String(shardIndex),
});

export interface LiveMetricsSettings {
  metricsPort?: number;
  metricsHost?: string;
  metricsLinger_s?: number;
  pushgateway?: string;
}

/**
 * The run's live metrics when a port or a Pushgateway asks for them: started here, finished
 * (pushed, lingered, closed) by `finishLiveMetrics`.
 */
export async function startLiveMetrics(settings: LiveMetricsSettings, labels: RunLabels, slo: Slo | undefined, description: { workload: string; load: string }, log?: (line: string) => void): Promise<HarnessMetrics | undefined> {
  if (settings.metricsPort === undefined && !settings.pushgateway) return undefined;
  const live = new HarnessMetrics(labels, slo, description);
  if (settings.metricsPort !== undefined) {
    const host = settings.metricsHost ?? '127.0.0.1';
    const port = await live.listen(settings.metricsPort, host);
    log?.(`live metrics: http://${host}:${port}/metrics`);
  }
  return live;
}

export async function finishLiveMetrics(live: HarnessMetrics | undefined, settings: LiveMetricsSettings, log?: (line: string) => void): Promise<void> {
  if (!live) return;
  try {
    if (settings.pushgateway) await live.push(settings.pushgateway);
  } catch (error) {
    log?.(`could not push to ${settings.pushgateway}: ${(error as Error).message}`);
  }
  if ((settings.metricsLinger_s ?? 0) > 0) {
    log?.(`live metrics: serving ${settings.metricsLinger_s} s more for a last scrape`);
    await new Promise((resolve) => setTimeout(resolve, settings.metricsLinger_s! * 1000));
  }
  await live.close();
}
