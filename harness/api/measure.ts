import { describePinning, pinEventLoopThread } from '../../common/cpu-pin';
import { StreamClient } from '../client/stream-client';
import { runLoad, type LoadControls } from '../load/runner';
import { combineObservers, type HarnessMetrics } from '../telemetry/prometheus';
import { ServerScraper } from '../telemetry/server-scrape';
import { clientBoundWarning, watchClientLoad } from '../telemetry/client-load';
import type { ClientLoad, RunOutcome, RunPlan, ServerSample } from '../types/run';
import type { Workload } from '../types/workload';
import type { RunHooks, TargetOptions } from './options';
import type { Target } from './target';

export interface Measurement {
  outcome: RunOutcome;
  serverSamples: ServerSample[];
  /** How loaded the harness itself was while it measured. */
  client: ClientLoad;
}

/** Drives one load against the target with a fresh client, scraping its /metrics around and during the run. */
export async function measure(target: Target, workload: Workload, plan: RunPlan, options: TargetOptions, hooks: RunHooks, label = 'run', live?: HarnessMetrics, controls: LoadControls = {}): Promise<Measurement> {
  const pattern = plan.pattern;
  const client = new StreamClient({
    baseURL: target.baseURL,
    model: target.model,
    api: options.api ?? 'chat',
    apiKey: target.apiKey,
    connections: workload.timed ? 256 : pattern.kind === 'closed' ? pattern.concurrency : Math.max(64, Math.ceil(pattern.rate_per_s * 4)),
    timeout_ms: (options.timeout_s ?? 600) * 1000,
    idleTimeout_ms: options.idleTimeout_s !== undefined ? options.idleTimeout_s * 1000 : undefined,
    fixOutputLength: options.fixOutputLength ?? true,
  });
  const scrapeInterval_s = options.scrapeInterval_s ?? 1;
  const scraper = scrapeInterval_s > 0 ? new ServerScraper(target.baseURL, scrapeInterval_s * 1000, target.apiKey) : undefined;
  if (options.pinCpu !== undefined) hooks.log?.(describePinning(await pinEventLoopThread(options.pinCpu)));
  hooks.progress?.start(label, Math.min(plan.requests, workload.size));
  try {
    await scraper?.start(performance.now());
    const watch = watchClientLoad();
    const outcome = await runLoad(client, workload, plan, hooks.signal ?? new AbortController().signal, combineObservers({ onRecord: () => hooks.progress?.tick() }, { onSend: hooks.onSend, onRecord: hooks.onRecord }, live), { cancel: hooks.cancel, ...controls });
    const clientLoad = watch.stop();
    if (clientLoad.client_bound) hooks.log?.(clientBoundWarning(clientLoad));
    return { outcome, serverSamples: (await scraper?.stop()) ?? [], client: clientLoad };
  } finally {
    hooks.progress?.stop();
    await scraper?.stop();
    await client.close();
  }
}
