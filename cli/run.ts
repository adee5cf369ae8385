import { Command, Option } from 'commander';
import { request } from 'undici';
import { startServer, type RunningServer } from '../server';
import { DEFAULT_PROFILE } from '../server/profiles/registry';
import { StreamClient, type ApiKind } from '../harness/client/stream-client';
import { runLoad } from '../harness/load/runner';
import { summarizeRun } from '../harness/metrics/summary';
import type { RunInfo } from '../harness/export/run-dir';
import { addWorkloadOptions, describeLoad, machineDescription, publishRun, loadPatternFrom, parseSlo, requestCount, workloadFrom } from './load-options';
import { version } from './version';

async function firstModel(baseURL: string, apiKey?: string): Promise<string> {
  const response = await request(`${baseURL.replace(/\/$/, '')}/models`, { headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} });
  const body = (await response.body.json()) as { data?: Array<{ id: string }> };
  if (response.statusCode !== 200 || !body.data?.length) throw new Error(`cannot list models at ${baseURL}/models (HTTP ${response.statusCode})`);
  return body.data[0].id;
}

export function runCommand(): Command {
  const command = new Command('run')
    .description('benchmark an OpenAI-compatible endpoint (no --target: an embedded mock)')
    .option('--target <url>', 'OpenAI base URL, e.g. http://127.0.0.1:8000/v1')
    .option('--model <id>', 'model to ask for (default: the first of /v1/models)')
    .addOption(new Option('--api <kind>', 'API to call').choices(['chat', 'completions']).default('chat'))
    .option('--api-key-env <name>', 'environment variable holding the API key', 'OPENAI_API_KEY')
    .option('--profile <name|file>', 'profile of the embedded mock', DEFAULT_PROFILE)
    .option('--warmup <n>', 'unrecorded warm-up requests', Number, 0)
    .option('--timeout <s>', 'per-request timeout in seconds', Number, 600)
    .option('--no-fix-output-length', 'do not send ignore_eos/min_tokens');
  return addWorkloadOptions(command).action(async (options) => {
      let embedded: RunningServer | undefined;
      const apiKey = process.env[options.apiKeyEnv];
      let baseURL: string = options.target;
      if (!baseURL) {
        embedded = await startServer({ port: 0, profiles: [options.profile], seed: options.seed, defaultMetrics: false });
        baseURL = embedded.baseURL;
      }
      const stop = new AbortController();
      const onSigint = () => {
        process.stderr.write('\ninterrupted: no new requests; waiting for those in flight\n');
        stop.abort();
      };
      process.once('SIGINT', onSigint);
      try {
        const model: string = options.model ?? (await firstModel(baseURL, apiKey));
        const workload = workloadFrom(options);
        const requests = requestCount(options, workload);
        const pattern = loadPatternFrom(options);
        const client = new StreamClient({
          baseURL,
          model,
          api: options.api as ApiKind,
          apiKey,
          connections: workload.timed ? 256 : pattern.kind === 'closed' ? pattern.concurrency : Math.max(64, Math.ceil(pattern.rate_per_s * 4)),
          timeout_ms: options.timeout * 1000,
          fixOutputLength: options.fixOutputLength,
        });
        const loadText = describeLoad(pattern, workload);
        process.stderr.write(`tokenbench run: ${model} at ${baseURL}, ${workload.description}, ${loadText}\n`);
        const started_at = new Date().toISOString();
        let done = 0;
        const progress = setInterval(() => process.stderr.write(`  ${done} requests done\n`), 2000);
        const outcome = await runLoad(client, workload, { pattern, requests, duration_s: options.duration, warmup: options.warmup, seed: options.seed }, stop.signal, () => done++);
        clearInterval(progress);
        await client.close();
        const summary = summarizeRun(outcome.records, outcome.duration_s, parseSlo(options.slo));
        const info: RunInfo = {
          target: options.target ?? 'embedded mock',
          model,
          api: options.api,
          profile: embedded ? options.profile : undefined,
          workload: workload.description,
          load: loadText,
          seed: options.seed,
          version,
          started_at,
          machine: machineDescription(),
          interrupted: outcome.interrupted,
        };
        publishRun(info, outcome.records, summary, options);
      } finally {
        process.removeListener('SIGINT', onSigint);
        await embedded?.close();
      }
    });
}
