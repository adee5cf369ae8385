import { Option, type Command } from 'commander';
import type { ApiKind, LiveMetricsOptions, RunHooks, TargetOptions } from '../harness';
import { DEFAULT_PROFILE } from '../server/profiles';
import { progressBar } from './progress';

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

/** The library's target, live-metrics and progress options from the flags; the API key comes from the environment. */
export function targetOptionsFrom(flags: TargetFlags): TargetOptions & LiveMetricsOptions & RunHooks {
  return {
    target: flags.target,
    model: flags.model,
    api: flags.api,
    apiKey: process.env[flags.apiKeyEnv],
    profile: flags.profile,
    warmup: flags.warmup,
    timeout_s: flags.timeout,
    scrapeInterval_s: flags.scrapeInterval,
    fixOutputLength: flags.fixOutputLength,
    pinCpu: flags.pinCpu,
    metricsPort: flags.metricsPort,
    metricsHost: flags.metricsHost,
    metricsLinger_s: flags.metricsLinger,
    pushgateway: flags.pushgateway,
    runId: flags.runId,
    progress: progressBar(),
    log: (line) => process.stderr.write(`${line}\n`),
  };
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
