/**
 * npm run bench:server — the mock's own overhead, measured against baselines in the same run:
 *  1. non-streaming req/s of the mock (instant profile) vs a bare node:http JSON handler (autocannon);
 *  2. 100 … 1,000 concurrent streams at 50 tokens/s each: aggregate tokens/s against the ideal, the
 *     mock's CPU per streamed token, and how late each token is written versus when it was due
 *     (from the server's tokenbench_token_write_lag_seconds, warm-up excluded).
 * The server runs in its own process so the load generator does not share its event loop.
 * Knobs: BENCH_ONLY=non-streaming|streams, BENCH_DURATION_S, STREAM_LEVELS=100,1000, TOKENS_EACH,
 * RAMP_S, BENCH_NODE_ARGS (for the mock's node, e.g. --cpu-prof), BENCH_PIN=0 (no CPU pinning).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Agent, request } from 'undici';
import { confineThisProcess, pinCpuFlag, separateCpus, startMockProcess } from '../test/helpers/mock-process';
import { formatTable } from '../cli/table';
// autocannon ships no types
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon');

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);

function cannon(url: string, body: string): Promise<{ requests: { average: number }; errors: number; non2xx: number }> {
  return autocannon({ url, method: 'POST', body, headers: { 'content-type': 'application/json' }, connections: 50, duration: DURATION_S });
}

const chatBody = JSON.stringify({ model: 'instant-model', messages: [{ role: 'user', content: 'hello' }], max_tokens: 16, ignore_eos: true });

/**
 * The baseline: a bare node:http handler that parses the JSON body and answers a fixed completion, in
 * its own process like the mock (in this process it would share autocannon's event loop, which once
 * made the baseline slower than the mock). Resolves with its port.
 */
async function startBareServer(): Promise<{ port: number; child: ChildProcess }> {
  const sample = JSON.stringify({ id: 'chatcmpl-x', object: 'chat.completion', created: 0, model: 'instant-model', choices: [{ index: 0, message: { role: 'assistant', content: 'The river had been rising for three days before anyone in the valley' }, finish_reason: 'length' }], usage: { prompt_tokens: 8, completion_tokens: 16, total_tokens: 24 } });
  const script = `
    const sample = ${JSON.stringify(sample)};
    const server = require('node:http').createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        JSON.parse(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end(sample);
      });
    }).listen(0, '127.0.0.1', () => console.log(server.address().port));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [data] = await once(child.stdout!, 'data');
  return { port: Number(String(data).trim()), child };
}

const mockNodeArgs = () => process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean);

async function nonStreaming(): Promise<void> {
  const bare = await startBareServer();
  const mock = await startMockProcess(['--profile', 'instant'], { nodeArgs: mockNodeArgs() });
  try {
    const baseline = await cannon(`http://127.0.0.1:${bare.port}/`, chatBody);
    const measured = await cannon(`${mock.baseURL}/chat/completions`, chatBody);
    const ratio = measured.requests.average / baseline.requests.average;
    console.log(`non-streaming: mock ${measured.requests.average.toFixed(0)} req/s vs bare node:http ${baseline.requests.average.toFixed(0)} req/s → ratio ${ratio.toFixed(2)} (goal ≥ 0.5); mock errors ${measured.errors + measured.non2xx}`);
  } finally {
    await mock.close();
    bare.child.kill();
  }
}

interface Bucket {
  le: number;
  count: number;
}

/** A Prometheus histogram's cumulative buckets, as exposed. */
function histogramBuckets(text: string, name: string): Bucket[] {
  return [...text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"[^}]*\\} (\\S+)$`, 'gm'))].map((match) => ({ le: match[1] === '+Inf' ? Infinity : Number(match[1]), count: Number(match[2]) }));
}

/** Quantile of what was observed between two scrapes, interpolating within the bucket (as histogram_quantile does). */
function quantileBetween(before: Bucket[], after: Bucket[], q: number): number {
  const buckets = after.map((bucket, index) => ({ le: bucket.le, count: bucket.count - (before[index]?.count ?? 0) }));
  const rank = q * buckets[buckets.length - 1].count;
  let previous = { le: 0, count: 0 };
  for (const bucket of buckets) {
    if (bucket.count >= rank) {
      if (bucket.le === Infinity) return previous.le;
      return previous.le + ((bucket.le - previous.le) * (rank - previous.count)) / Math.max(1, bucket.count - previous.count);
    }
    previous = bucket;
  }
  return NaN;
}

interface StreamLevel {
  streams: number;
  tokensPerSecond: number;
  idealTokensPerSecond: number;
  cpuPerToken_us: number;
  lagP50_ms: number;
  lagP99_ms: number;
  /** The same while every stream is open (after the ramp, before the first stream ends); NaN if no such window. */
  steadyLagP50_ms: number;
  steadyLagP99_ms: number;
}

/**
 * `streams` streams of 50 tokens/s each, started evenly over RAMP_S (as a load tester ramps up,
 * so the streams' token phases spread instead of arriving in lockstep), each running TOKENS_EACH
 * tokens. A fresh mock per level, so its lag histogram and CPU time are this level's alone.
 */
async function streamLevel(streams: number, profile: string): Promise<StreamLevel> {
  const tokensEach = Number(process.env.TOKENS_EACH ?? 200);
  const ramp_s = Number(process.env.RAMP_S ?? 1);
  // Spawned with every CPU allowed again (this process has confined itself), then pinned by itself.
  const mock = await startMockProcess(['--profile', profile, ...pinCpuFlag(cpus?.mock[0])], { nodeArgs: mockNodeArgs(), cpus: cpus?.usable });
  const dispatcher = new Agent({ connections: streams });
  // Its own connection: while every stream is open, the streams' pool has none free.
  const scraper = new Agent({ connections: 1 });
  const scrape = async () => (await request(`${mock.url}/metrics`, { dispatcher: scraper })).body.text();
  const cpuSeconds = (text: string) => Number(/^tokenbench_process_cpu_seconds_total (\S+)$/m.exec(text)?.[1]);
  const lagName = 'tokenbench_token_write_lag_seconds';
  try {
    // Warm-up, excluded from the figures (as a load test's warm-up is): the mock's code is still
    // being compiled for the first second of traffic, and connections are opened here.
    await runStreams(mock.baseURL, dispatcher, streams, 25, ramp_s / 2);
    const beforeText = await scrape();
    const cpuBefore_s = cpuSeconds(beforeText);
    const started = performance.now();
    // The steady window: from when the last stream has started (plus its 20 ms first token and a
    // margin) to just before the first one ends. What the ramp costs (taking 1,000 requests in) shows
    // in the whole-run figures; the steady ones are the 1,000 concurrent streams alone.
    const steadyFrom_s = ramp_s * ((streams - 1) / streams) + 0.12;
    const steadyTo_s = 0.02 + 0.02 * tokensEach - 0.1;
    const scrapeAt = (at_s: number) => new Promise<string>((resolve, reject) => setTimeout(() => scrape().then(resolve, reject), Math.max(0, at_s * 1000 - (performance.now() - started))));
    const steady = steadyTo_s - steadyFrom_s >= 0.5 ? Promise.all([scrapeAt(steadyFrom_s), scrapeAt(steadyTo_s)]) : undefined;
    const tokens = await runStreams(mock.baseURL, dispatcher, streams, tokensEach, ramp_s);
    const elapsed_s = (performance.now() - started) / 1000;
    const metrics = await scrape();
    const ideal_s = ramp_s * ((streams - 1) / streams) + 0.02 * tokensEach;
    const [before, after] = [histogramBuckets(beforeText, lagName), histogramBuckets(metrics, lagName)];
    const steadyBuckets = steady && (await steady).map((text) => histogramBuckets(text, lagName));
    return {
      streams,
      tokensPerSecond: tokens / elapsed_s,
      idealTokensPerSecond: (streams * tokensEach) / ideal_s,
      cpuPerToken_us: ((cpuSeconds(metrics) - cpuBefore_s) / tokens) * 1e6,
      lagP50_ms: quantileBetween(before, after, 0.5) * 1000,
      lagP99_ms: quantileBetween(before, after, 0.99) * 1000,
      steadyLagP50_ms: steadyBuckets ? quantileBetween(steadyBuckets[0], steadyBuckets[1], 0.5) * 1000 : NaN,
      steadyLagP99_ms: steadyBuckets ? quantileBetween(steadyBuckets[0], steadyBuckets[1], 0.99) * 1000 : NaN,
    };
  } finally {
    await scraper.close();
    await dispatcher.close();
    await mock.close();
  }
}

/** `streams` streaming chat requests started evenly over `ramp_s`; resolves with the tokens received. */
async function runStreams(baseURL: string, dispatcher: Agent, streams: number, tokensEach: number, ramp_s: number): Promise<number> {
  let tokens = 0;
  await Promise.all(
    Array.from({ length: streams }, async (_, index) => {
      await new Promise((resolve) => setTimeout(resolve, (index * ramp_s * 1000) / streams));
      const response = await request(`${baseURL}/chat/completions`, {
        method: 'POST',
        dispatcher,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'fifty-tps', messages: [{ role: 'user', content: 'go' }], max_tokens: tokensEach, ignore_eos: true, stream: true, stream_options: { include_usage: true } }),
      });
      const text = await response.body.text();
      const usage = /"completion_tokens":(\d+)/.exec(text);
      tokens += usage ? Number(usage[1]) : 0;
    }),
  );
  return tokens;
}

// Where the machine allows, the mock's event loop gets a CPU of its own (serve --pin-cpu) and this load
// generator the others, as a server and its clients would have on separate machines. BENCH_PIN=0: share.
const cpus = process.env.BENCH_PIN === '0' ? undefined : separateCpus();

async function manyStreams(): Promise<void> {
  if (cpus) confineThisProcess(cpus.usable.filter((cpu) => cpu !== cpus.mock[0]));
  const directory = mkdtempSync(join(tmpdir(), 'tokenbench-bench-'));
  const profile = join(directory, 'fifty-tps.yaml');
  writeFileSync(profile, 'kind: empirical\nmodel: fifty-tps\nttft_ms: {dist: constant, value: 20}\nitl_ms: {dist: constant, value: 20}\n');
  const levels = (process.env.STREAM_LEVELS ?? '100,250,500,1000').split(',').map(Number);
  console.log(`streams at 50 tokens/s each (started over ${process.env.RAMP_S ?? 1} s); token write lag = written − due, from the mock's tokenbench_token_write_lag_seconds`);
  console.log(cpus ? `mock's event loop alone on CPU ${cpus.mock[0]}, load generator and the mock's helper threads on the others` : 'mock and load generator share the CPUs');
  const rows: number[][] = [];
  for (const streams of levels) {
    process.stderr.write(`  ${streams} streams…\n`);
    const level = await streamLevel(streams, profile);
    rows.push([level.streams, Math.round(level.tokensPerSecond), level.tokensPerSecond / level.idealTokensPerSecond, level.cpuPerToken_us, level.lagP50_ms, level.lagP99_ms, level.steadyLagP50_ms, level.steadyLagP99_ms]);
  }
  console.log(formatTable(['streams', 'tokens/s', 'of ideal', 'mock CPU µs/token', 'lag p50 ms', 'lag p99 ms', 'all open: p50 ms', 'all open: p99 ms'], rows));
  console.log('lag over the whole run (ramp included), then while every stream is open; goal at 1,000 streams: lag p99 ≤ 2 ms');
}

// BENCH_ONLY=non-streaming|streams runs one half.
const only = process.env.BENCH_ONLY;
(async () => {
  if (!only || only === 'non-streaming') await nonStreaming();
  if (!only || only === 'streams') await manyStreams();
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
