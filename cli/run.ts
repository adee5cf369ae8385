import { Command, Option } from 'commander';
import { hostname, cpus } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startServer, type RunningServer } from '../server';
import { DEFAULT_PROFILE } from '../server/profiles/registry';
import { StreamClient, type ApiKind } from '../harness/client/stream-client';
import { runLoad } from '../harness/load/runner';
import { summarizeRun, type Slo } from '../harness/metrics/summary';
import { writeRunDirectory, type RunInfo } from '../harness/export/run-dir';
import { renderSummaryTable } from '../harness/export/report';
import { parseWorkload } from '../harness/workload';
import { version } from './version';

const DEFAULT_WORKLOAD = 'synthetic:prompt=256,output=64';

function parseSlo(text: string): Slo {
  const slo: Slo = {};
  for (const part of text.split(',')) {
    const [key, value] = part.split('=');
    if (!['ttft_ms', 'tpot_ms', 'e2el_ms'].includes(key) || !Number.isFinite(Number(value))) throw new Error(`bad --slo part "${part}" (ttft_ms=, tpot_ms=, e2el_ms=)`);
    slo[key as keyof Slo] = Number(value);
  }
  return slo;
}

async function firstModel(baseURL: string, apiKey?: string): Promise<string> {
  const response = await request(`${baseURL.replace(/\/$/, '')}/models`, { headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} });
  const body = (await response.body.json()) as { data?: Array<{ id: string }> };
  if (response.statusCode !== 200 || !body.data?.length) throw new Error(`cannot list models at ${baseURL}/models (HTTP ${response.statusCode})`);
  return body.data[0].id;
}

export function runCommand(): Command {
  return new Command('run')
    .description('benchmark an OpenAI-compatible endpoint (no --target: an embedded mock)')
    .option('--target <url>', 'OpenAI base URL, e.g. http://127.0.0.1:8000/v1')
    .option('--model <id>', 'model to ask for (default: the first of /v1/models)')
    .addOption(new Option('--api <kind>', 'API to call').choices(['chat', 'completions']).default('chat'))
    .option('--api-key-env <name>', 'environment variable holding the API key', 'OPENAI_API_KEY')
    .option('--profile <name|file>', 'profile of the embedded mock', DEFAULT_PROFILE)
    .option('--workload <spec>', 'workload, e.g. synthetic:prompt=lognormal(512,0.6),output=128', DEFAULT_WORKLOAD)
    .option('--trace-start <n>', 'traces: rows to skip', Number, 0)
    .option('--limit <n>', 'traces: rows to replay', Number)
    .option('--speedup <x>', 'traces: divide recorded gaps by this', Number, 1)
    .option('--concurrency <n>', 'closed loop: requests in flight', Number)
    .option('--rate <r>', 'open loop: requests per second', Number)
    .option('--burstiness <k>', 'open loop: gamma shape of the gaps (1 = Poisson)', Number, 1)
    .option('--requests <n>', 'requests to send', Number)
    .option('--duration <s>', 'stop sending after this many seconds', Number)
    .option('--warmup <n>', 'unrecorded warm-up requests', Number, 0)
    .option('--timeout <s>', 'per-request timeout in seconds', Number, 600)
    .option('--slo <spec>', 'goodput SLOs, e.g. ttft_ms=500,tpot_ms=50')
    .option('--no-fix-output-length', 'do not send ignore_eos/min_tokens')
    .option('--seed <n>', 'seed for the workload and arrivals', Number, 0)
    .option('--out <dir>', 'run directory (default reports/runs/<timestamp>)')
    .option('--json', 'print summary.json on stdout instead of the table')
    .action(async (options) => {
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
        const workload = parseWorkload(options.workload, options.seed, { start: options.traceStart, limit: options.limit, speedup: options.speedup });
        const requests: number = options.requests ?? (options.duration || workload.timed ? Number.MAX_SAFE_INTEGER : 32);
        const pattern = options.rate
          ? ({ kind: 'open', rate_per_s: options.rate, burstiness: options.burstiness } as const)
          : ({ kind: 'closed', concurrency: options.concurrency ?? 8 } as const);
        const client = new StreamClient({
          baseURL,
          model,
          api: options.api as ApiKind,
          apiKey,
          connections: workload.timed ? 256 : pattern.kind === 'closed' ? pattern.concurrency : Math.max(64, Math.ceil(pattern.rate_per_s * 4)),
          timeout_ms: options.timeout * 1000,
          fixOutputLength: options.fixOutputLength,
        });
        const loadText = workload.timed ? 'trace replay at recorded times' : pattern.kind === 'closed' ? `closed loop, concurrency ${pattern.concurrency}` : `open loop, ${pattern.rate_per_s} req/s, burstiness ${pattern.burstiness}`;
        process.stderr.write(`tokenbench run: ${model} at ${baseURL}, ${workload.description}, ${loadText}\n`);
        const started_at = new Date().toISOString();
        let done = 0;
        const progress = setInterval(() => process.stderr.write(`  ${done} requests done\n`), 2000);
        const outcome = await runLoad(client, workload, { pattern, requests, duration_s: options.duration, warmup: options.warmup, seed: options.seed }, stop.signal, () => done++);
        clearInterval(progress);
        await client.close();
        const summary = summarizeRun(outcome.records, outcome.duration_s, options.slo ? parseSlo(options.slo) : undefined);
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
          machine: `${hostname()} (${cpus().length} cores, node ${process.version})`,
          interrupted: outcome.interrupted,
        };
        const directory: string = options.out ?? join('reports', 'runs', started_at.replace(/[:.]/g, '-'));
        writeRunDirectory(directory, info, outcome.records, summary);
        process.stdout.write(options.json ? JSON.stringify({ ...info, ...summary }, null, 2) + '\n' : renderSummaryTable(summary) + `\nrun directory: ${directory}\n`);
      } finally {
        process.removeListener('SIGINT', onSigint);
        await embedded?.close();
      }
    });
}
