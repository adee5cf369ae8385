import { Option, type Command } from 'commander';
import { request } from 'undici';
import { startServer, type RunningServer } from '../server';
import { DEFAULT_PROFILE } from '../server/profiles';
import { StreamClient, type ApiKind } from '../harness/client/stream-client';
import { describePinning, pinEventLoopThread } from '../common/cpu-pin';
import { runLoad } from '../harness/load/runner';
import { ServerScraper } from '../harness/telemetry/server-scrape';
import type { Workload } from '../harness/types/workload';
import { startProgress } from './progress';
import { combineObservers, HarnessMetrics } from '../harness/telemetry/prometheus';
import { parseSlo } from './load-options';
import type { RunOutcome, RunPlan, ServerSample } from '../harness/types/run';

/** Flags that say what to measure and how to reach it; shared by `run` and `sweep`. */
export function addTargetOptions(command: Command): Command {
  return command
    .option('--target <url>', 'OpenAI base URL, e.g. http://127.0.0.1:8000/v1 (absent: an embedded mock)')
    .option('--model <id>', 'model to ask for (default: the first of /v1/models)')
    .addOption(new Option('--api <kind>', 'API to call').choices(['chat', 'completions']).default('chat'))
    .option('--api-key-env <name>', 'environment variable holding the API key', 'OPENAI_API_KEY')
    .option('--profile <name|file>', 'profile of the embedded mock', DEFAULT_PROFILE)
    .option('--warmup <n>', 'unrecorded warm-up requests sent first (as vLLM bench sends a test prompt)', Number, 1)
    .option('--timeout <s>', 'per-request timeout in seconds', Number, 600)
    .option('--scrape-interval <s>', "seconds between scrapes of the target's /metrics (0: do not scrape)", Number, 1)
    .option('--no-fix-output-length', 'do not send ignore_eos/min_tokens')
    .option('--metrics-port <port>', 'serve live Prometheus metrics of the run on this port (0: any free port)', Number)
    .option('--metrics-host <host>', 'address for --metrics-port', '127.0.0.1')
    .option('--metrics-linger <s>', 'keep serving --metrics-port this long after the run, for a last scrape', Number, 0)
    .option('--pushgateway <url>', 'push the final figures to this Prometheus Pushgateway')
    .option('--run-id <id>', 'run_id label of the live metrics (default: the start time)')
    .option('--pin-cpu <n>', "Linux: run the harness's event loop alone on this CPU, its helper threads on the others", Number);
}

export interface TargetFlags {
  target?: string;
  model?: string;
  api: ApiKind;
  apiKeyEnv: string;
  profile: string;
  seed: number;
  warmup: number;
  timeout: number;
  scrapeInterval: number;
  fixOutputLength: boolean;
  metricsPort?: number;
  metricsHost: string;
  metricsLinger: number;
  pushgateway?: string;
  runId?: string;
  pinCpu?: number;
}

/** An endpoint ready to be measured: the embedded mock (started here) or a real one. */
export interface Target {
  baseURL: string;
  model: string;
  /** The key is used for requests and never written to any output. */
  apiKey?: string;
  /** Set when the embedded mock serves it. */
  profile?: string;
  /** `owned_by` of the model in the target's /models (`tokenbench` for the mock). */
  servedBy?: string;
  description: string;
  close(): Promise<void>;
}

/** The target's served models (id and owner), from GET /models. */
async function listModels(baseURL: string, apiKey?: string): Promise<Array<{ id: string; owned_by?: string }>> {
  const response = await request(`${baseURL.replace(/\/$/, '')}/models`, { headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} });
  const body = (await response.body.json().catch(() => ({}))) as { data?: Array<{ id: string; owned_by?: string }> };
  if (response.statusCode !== 200 || !body.data?.length) throw new Error(`cannot list models at ${baseURL}/models (HTTP ${response.statusCode})`);
  return body.data;
}

export async function openTarget(flags: TargetFlags): Promise<Target> {
  const apiKey = process.env[flags.apiKeyEnv];
  let embedded: RunningServer | undefined;
  let baseURL = flags.target;
  if (!baseURL) {
    embedded = await startServer({ port: 0, profiles: [flags.profile], seed: flags.seed, defaultMetrics: false });
    baseURL = embedded.baseURL;
  }
  try {
    const models = flags.model && flags.target ? await listModels(baseURL, apiKey).catch(() => []) : await listModels(baseURL, apiKey);
    const model = flags.model ?? models[0].id;
    return {
      baseURL,
      model,
      apiKey,
      profile: embedded ? flags.profile : undefined,
      // A tokenbench mock says so in /models; compare frames such runs as the modeled side.
      servedBy: models.find((entry) => entry.id === model)?.owned_by,
      description: flags.target ?? 'embedded mock',
      close: async () => embedded?.close(),
    };
  } catch (error) {
    await embedded?.close();
    throw error;
  }
}

export interface Measurement {
  outcome: RunOutcome;
  serverSamples: ServerSample[];
}

/** Drives one load against the target with a fresh client, scraping its /metrics around and during the run. */
export async function measure(target: Target, workload: Workload, plan: RunPlan, flags: TargetFlags, stop: AbortSignal, label = 'run', live?: HarnessMetrics): Promise<Measurement> {
  const pattern = plan.pattern;
  const client = new StreamClient({
    baseURL: target.baseURL,
    model: target.model,
    api: flags.api,
    apiKey: target.apiKey,
    connections: workload.timed ? 256 : pattern.kind === 'closed' ? pattern.concurrency : Math.max(64, Math.ceil(pattern.rate_per_s * 4)),
    timeout_ms: flags.timeout * 1000,
    fixOutputLength: flags.fixOutputLength,
  });
  const scraper = flags.scrapeInterval > 0 ? new ServerScraper(target.baseURL, flags.scrapeInterval * 1000, target.apiKey) : undefined;
  if (flags.pinCpu !== undefined) {
    process.stderr.write(`${describePinning(await pinEventLoopThread(flags.pinCpu))}\n`);
  }
  const progress = startProgress(label, Math.min(plan.requests, workload.size));
  try {
    await scraper?.start(performance.now());
    const outcome = await runLoad(client, workload, plan, stop, combineObservers({ onRecord: () => progress.tick() }, live));
    return { outcome, serverSamples: (await scraper?.stop()) ?? [] };
  } finally {
    progress.stop();
    await scraper?.stop();
    await client.close();
  }
}

/**
 * The run's live metrics when `--metrics-port` or `--pushgateway` asks for them: started here,
 * finished (pushed, lingered, closed) by `finishLiveMetrics`.
 */
export async function startLiveMetrics(flags: TargetFlags & { slo?: string }, target: Target, description: { workload: string; load: string }, started_at: string): Promise<HarnessMetrics | undefined> {
  if (flags.metricsPort === undefined && !flags.pushgateway) return undefined;
  const live = new HarnessMetrics({ run_id: flags.runId ?? started_at, target: target.description, model: target.model }, parseSlo(flags.slo), description);
  if (flags.metricsPort !== undefined) {
    const port = await live.listen(flags.metricsPort, flags.metricsHost);
    process.stderr.write(`live metrics: http://${flags.metricsHost}:${port}/metrics\n`);
  }
  return live;
}

export async function finishLiveMetrics(live: HarnessMetrics | undefined, flags: TargetFlags): Promise<void> {
  if (!live) return;
  try {
    if (flags.pushgateway) await live.push(flags.pushgateway);
  } catch (error) {
    process.stderr.write(`could not push to ${flags.pushgateway}: ${(error as Error).message}\n`);
  }
  if (flags.metricsLinger > 0) await new Promise((resolve) => setTimeout(resolve, flags.metricsLinger * 1000));
  await live.close();
}

/** Ctrl-C stops sending; requests in flight finish or time out, and everything measured is written. */
export function interruptOnSigint(): { signal: AbortSignal; dispose(): void } {
  const stop = new AbortController();
  const onSigint = () => {
    process.stderr.write('\ninterrupted: no new requests; waiting for those in flight\n');
    stop.abort();
  };
  process.once('SIGINT', onSigint);
  return { signal: stop.signal, dispose: () => process.removeListener('SIGINT', onSigint) };
}
