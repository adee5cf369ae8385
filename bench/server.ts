/**
 * npm run bench:server — the mock's own overhead, measured against baselines in the same run:
 *  1. non-streaming req/s of the mock (instant profile) vs a bare node:http JSON handler (autocannon);
 *  2. 1,000 concurrent streams at 50 tokens/s each: aggregate tokens/s and how late each token is
 *     written versus when it was due (from the server's tokenbench_token_write_lag_seconds).
 * The server runs in its own process so the load generator does not share its event loop.
 */
import { createServer } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { startMockProcess } from '../test/helpers/mock-process';
// autocannon ships no types
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon');

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);

function cannon(url: string, body: string): Promise<{ requests: { average: number }; errors: number; non2xx: number }> {
  return autocannon({ url, method: 'POST', body, headers: { 'content-type': 'application/json' }, connections: 50, duration: DURATION_S });
}

const chatBody = JSON.stringify({ model: 'instant-model', messages: [{ role: 'user', content: 'hello' }], max_tokens: 16, ignore_eos: true });

async function nonStreaming(): Promise<void> {
  const sample = JSON.stringify({ id: 'chatcmpl-x', object: 'chat.completion', created: 0, model: 'instant-model', choices: [{ index: 0, message: { role: 'assistant', content: 'The river had been rising for three days before anyone in the valley' }, finish_reason: 'length' }], usage: { prompt_tokens: 8, completion_tokens: 16, total_tokens: 24 } });
  const bare = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      JSON.parse(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end(sample);
    });
  }).listen(0, '127.0.0.1');
  await once(bare, 'listening');
  const barePort = (bare.address() as AddressInfo).port;
  const mock = await startMockProcess(['--profile', 'instant']);
  try {
    const baseline = await cannon(`http://127.0.0.1:${barePort}/`, chatBody);
    const measured = await cannon(`${mock.baseURL}/chat/completions`, chatBody);
    const ratio = measured.requests.average / baseline.requests.average;
    console.log(`non-streaming: mock ${measured.requests.average.toFixed(0)} req/s vs bare node:http ${baseline.requests.average.toFixed(0)} req/s → ratio ${ratio.toFixed(2)} (goal ≥ 0.5); mock errors ${measured.errors + measured.non2xx}`);
  } finally {
    await mock.close();
    bare.close();
  }
}

/** Quantile from a cumulative Prometheus histogram, interpolating within the bucket (histogram_quantile). */
function histogramQuantile(text: string, name: string, q: number): number {
  const buckets = [...text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"[^}]*\\} (\\S+)$`, 'gm'))].map((match) => ({ le: match[1] === '+Inf' ? Infinity : Number(match[1]), count: Number(match[2]) }));
  const total = buckets[buckets.length - 1].count;
  const rank = q * total;
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

async function manyStreams(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'tokenbench-bench-'));
  const profile = join(directory, 'fifty-tps.yaml');
  writeFileSync(profile, 'kind: empirical\nmodel: fifty-tps\nttft_ms: {dist: constant, value: 20}\nitl_ms: {dist: constant, value: 20}\n');
  const mock = await startMockProcess(['--profile', profile]);
  const streams = 1000;
  const tokensEach = 150; // 3 s per stream at 50 tokens/s
  const dispatcher = new Agent({ connections: streams });
  try {
    const started = performance.now();
    let tokens = 0;
    await Promise.all(
      Array.from({ length: streams }, async () => {
        const response = await request(`${mock.baseURL}/chat/completions`, {
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
    const elapsed_s = (performance.now() - started) / 1000;
    const metrics = await (await request(`${mock.url}/metrics`, { dispatcher })).body.text();
    const p50 = histogramQuantile(metrics, 'tokenbench_token_write_lag_seconds', 0.5) * 1000;
    const p99 = histogramQuantile(metrics, 'tokenbench_token_write_lag_seconds', 0.99) * 1000;
    const ideal = (streams * tokensEach) / (0.02 + (tokensEach - 1) * 0.02);
    console.log(`1,000 streams × 50 tok/s: ${(tokens / elapsed_s).toFixed(0)} tokens/s aggregate over ${elapsed_s.toFixed(2)} s (ideal ${ideal.toFixed(0)}, ratio ${(tokens / elapsed_s / ideal).toFixed(2)})`);
    console.log(`token write lag (due → written): p50 ${p50.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms (goal p99 ≤ 2 ms)`);
  } finally {
    await dispatcher.close();
    await mock.close();
  }
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
