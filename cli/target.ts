import { Option, type Command } from 'commander';
import type { ApiKind, LiveMetricsOptions, RunHooks, TargetOptions } from '../harness';
import { DEFAULT_PROFILE } from '../server/profiles';
import { progressBar } from './progress';
import { httpUrl, nonNegativeInteger, nonNegativeSeconds, port, positiveSeconds } from './flag-parsers';

/** Flags that say what to measure and how to reach it; shared by `run` and `sweep`. */
export function addTargetOptions(command: Command): Command {
  return command
    .option('--target <url>', 'OpenAI base URL, e.g. http://127.0.0.1:8000/v1 (absent: an embedded mock)', httpUrl)
    .option('--model <id>', 'model to ask for (default: the first of /v1/models)')
    .addOption(new Option('--api <kind>', 'API to call').choices(['chat', 'completions']).default('chat'))
    .option('--api-key-env <name>', 'environment variable holding the API key', 'OPENAI_API_KEY')
    .option('--profile <name|file>', 'profile of the embedded mock', DEFAULT_PROFILE)
    .option('--warmup <n>', 'unrecorded warm-up requests sent first (as vLLM bench sends a test prompt); one failing 3 times stops the run', nonNegativeInteger, 1)
    .option('--timeout <s>', 'deadline for each whole request, in seconds', positiveSeconds, 600)
    .option('--idle-timeout <s>', 'longest silence within a request (headers, next bytes), in seconds (default: --timeout)', positiveSeconds)
    .option('--drain-timeout <s>', 'after Ctrl-C, seconds to let requests in flight finish before cancelling them (a second Ctrl-C cancels at once)', nonNegativeSeconds, 30)
    .option('--scrape-interval <s>', "seconds between scrapes of the target's /metrics (0: do not scrape)", nonNegativeSeconds, 1)
    .option('--no-fix-output-length', 'do not send ignore_eos/min_tokens')
    .option('--metrics-port <port>', 'serve live Prometheus metrics of the run on this port (0: any free port)', port)
    .option('--metrics-host <host>', 'address for --metrics-port', '127.0.0.1')
    .option('--metrics-linger <s>', 'keep serving --metrics-port this long after the run, for a last scrape', nonNegativeSeconds, 0)
    .option('--pushgateway <url>', 'push the final figures to this Prometheus Pushgateway', httpUrl)
    .option('--run-id <id>', 'run_id label of the live metrics (default: the start time)')
    .option('--pin-cpu <n>', "Linux: run the harness's event loop alone on this CPU, its helper threads on the others", nonNegativeInteger);
}

export interface TargetFlags {
  target?: string;
  model?: string;
  api: ApiKind;
  apiKeyEnv: string;
  profile: string;
  warmup: number;
  timeout: number;
  idleTimeout?: number;
  drainTimeout: number;
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
    idleTimeout_s: flags.idleTimeout,
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

/**
 * Ctrl-C stops sending and lets the requests in flight finish for up to `drain_s` seconds, then cancels
 * them; a second Ctrl-C cancels them at once. Either way everything measured is written; a third exits.
 */
export function interruptOnSigint(drain_s = 30): { signal: AbortSignal; cancel: AbortSignal; dispose(): void } {
  const stop = new AbortController();
  const cancel = new AbortController();
  let drainTimer: NodeJS.Timeout | undefined;
  const cancelInFlight = (why: string) => {
    if (cancel.signal.aborted) return;
    process.stderr.write(`${why}: cancelling the requests in flight; writing what was measured\n`);
    cancel.abort();
  };
  const onSigint = () => {
    if (!stop.signal.aborted) {
      process.stderr.write(`\ninterrupted: no new requests; waiting up to ${drain_s} s for those in flight (Ctrl-C again to stop them now)\n`);
      stop.abort();
      drainTimer = setTimeout(() => cancelInFlight(`drain timeout (${drain_s} s)`), drain_s * 1000);
      drainTimer.unref();
    } else if (!cancel.signal.aborted) cancelInFlight('interrupted again');
    else process.exit(130);
  };
  process.on('SIGINT', onSigint);
  return {
    signal: stop.signal,
    cancel: cancel.signal,
    dispose: () => {
      if (drainTimer) clearTimeout(drainTimer);
      process.removeListener('SIGINT', onSigint);
    },
  };
}
