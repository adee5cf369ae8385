import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRun, runCli } from '../helpers/cli';
import type { RequestRecord } from '../../harness';

/**
 * Runs by duration, real deadlines, Ctrl-C during a stall, and exit codes a CI job can use, against
 * targets that misbehave the way real ones do (issue 16). Each target is a real HTTP server on loopback.
 */
const directory = mkdtempSync(join(tmpdir(), 'tokenbench-deadlines-'));
const servers: Array<{ close(): void }> = [];
afterAll(() => servers.forEach((server) => server.close()));

const MODELS = JSON.stringify({ object: 'list', data: [{ id: 'm', object: 'model', owned_by: 'someone' }] });

/** A target whose /v1/models answers and whose generation requests `answer` handles. */
async function target(answer: (req: IncomingMessage, res: ServerResponse) => void, { modelsToo = false } = {}): Promise<string> {
  const server = createServer((req, res) => {
    if (!modelsToo && req.url === '/v1/models') return void res.writeHead(200, { 'content-type': 'application/json' }).end(MODELS);
    req.resume();
    req.on('end', () => answer(req, res));
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  servers.push({ close: () => (server.closeAllConnections(), server.close()) });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

/** Headers, then an SSE comment every 50 ms and never a token: alive to an idle timeout, stalled to a user. */
const stallWithComments = (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const timer = setInterval(() => res.write(': still thinking\n\n'), 50);
  res.on('close', () => clearInterval(timer));
};

const run = (args: string[], interruptAfter_ms?: number | number[]) => runCli(['run', '--scrape-interval', '0', ...args], interruptAfter_ms);
const elapsed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
  const started = Date.now();
  const result = await work();
  return [result, (Date.now() - started) / 1000];
};

describe('runs by duration', () => {
  test('run --rate 20 --duration 5 sends about 100 requests and stops', async () => {
    const out = join(directory, 'duration-run');
    const result = await run(['--profile', 'instant', '--rate', '20', '--duration', '5', '--out', out]);
    expect(result.code).toBe(0);
    const { summary, records } = readRun(out);
    // A Poisson count of mean 100 lies within ±3σ (±30).
    expect(records.length).toBeGreaterThanOrEqual(70);
    expect(records.length).toBeLessThanOrEqual(130);
    expect(summary.completed).toBe(records.length);
    expect(Math.max(...records.map((record: RequestRecord) => record.scheduled_ms))).toBeLessThanOrEqual(5000);
    expect(summary.duration_s).toBeGreaterThan(4);
    expect(summary.duration_s).toBeLessThan(7);
  }, 60_000);

  test('simulate --rate 10 --duration 30 runs 30 simulated seconds', async () => {
    const out = join(directory, 'duration-simulate');
    const result = await runCli(['simulate', '--rate', '10', '--duration', '30', '--out', out]);
    expect(result.code).toBe(0);
    const { records } = readRun(out);
    expect(records.length).toBeGreaterThanOrEqual(240);
    expect(records.length).toBeLessThanOrEqual(360);
  }, 60_000);

  test('--rate with --concurrency caps requests in flight, as vLLM bench --max-concurrency does', async () => {
    const out = join(directory, 'capped');
    const result = await run(['--profile', 'constant', '--rate', '50', '--concurrency', '2', '--requests', '8', '--workload', 'synthetic:prompt=32,output=5', '--out', out]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/open loop, 50 req\/s, burstiness 1, at most 2 in flight/);
    const { records } = readRun(out);
    const events = records.flatMap((record: RequestRecord) => [[record.sent_ms, 1], [record.sent_ms + record.e2el_ms!, -1]]).sort((a: number[], b: number[]) => a[0] - b[0] || a[1] - b[1]);
    let inFlight = 0;
    let peak = 0;
    for (const [, change] of events) peak = Math.max(peak, (inFlight += change));
    expect(peak).toBe(2);
    // Eight requests of ~0.28 s two at a time take ~1.1 s: the later ones were sent well after their schedule.
    expect(Math.max(...records.map((record: RequestRecord) => record.sent_ms - record.scheduled_ms))).toBeGreaterThan(500);
  }, 60_000);
});

describe('deadlines and Ctrl-C', () => {
  let stalled: string;
  let stalledRun: string;
  beforeAll(async () => {
    stalled = await target(stallWithComments);
  });

  test('a stalled target with --timeout 2 ends the run within seconds, every request a timeout, and exits 1', async () => {
    stalledRun = join(directory, 'stalled');
    const [result, seconds] = await elapsed(() => run(['--target', stalled, '--timeout', '2', '--warmup', '0', '--requests', '4', '--concurrency', '2', '--out', stalledRun]));
    expect(seconds).toBeLessThan(15);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/every request failed \(timeout × 4\)/);
    expect(readRun(stalledRun).summary.errors).toEqual({ timeout: 4 });
  }, 60_000);

  test('--idle-timeout ends a request that goes silent, before the total deadline', async () => {
    const silent = await target((_req, res) => res.writeHead(200, { 'content-type': 'text/event-stream' }).flushHeaders());
    const out = join(directory, 'silent');
    const [result, seconds] = await elapsed(() => run(['--target', silent, '--idle-timeout', '1', '--timeout', '600', '--warmup', '0', '--requests', '2', '--concurrency', '2', '--out', out]));
    expect(seconds).toBeLessThan(10);
    expect(result.code).toBe(1);
    expect(readRun(out).summary.errors).toEqual({ idle_timeout: 2 });
  }, 60_000);

  test('Ctrl-C during a stall waits --drain-timeout, cancels what is in flight, and writes a complete run directory', async () => {
    const out = join(directory, 'interrupted-drain');
    const [result, seconds] = await elapsed(() => run(['--target', stalled, '--warmup', '0', '--requests', '10', '--concurrency', '2', '--drain-timeout', '1', '--out', out], 1500));
    expect(seconds).toBeLessThan(10);
    expect(result.stderr).toMatch(/waiting up to 1 s for those in flight/);
    expect(result.stderr).toMatch(/drain timeout \(1 s\): cancelling the requests in flight/);
    for (const file of ['summary.json', 'results.jsonl', 'report.md']) expect(existsSync(join(out, file))).toBe(true);
    const { summary, records, report } = readRun(out);
    expect(summary.interrupted).toBe(true);
    expect(records.map((record: RequestRecord) => record.error)).toEqual(['aborted', 'aborted']);
    expect(report).toMatch(/interrupted/);
  }, 60_000);

  test('a second Ctrl-C cancels at once, and the run directory is still complete', async () => {
    const out = join(directory, 'interrupted-twice');
    const [result, seconds] = await elapsed(() => run(['--target', stalled, '--warmup', '0', '--requests', '10', '--concurrency', '3', '--out', out], [1500, 2500]));
    expect(seconds).toBeLessThan(10);
    expect(result.stderr).toMatch(/interrupted again: cancelling the requests in flight/);
    const { summary, records } = readRun(out);
    expect(summary.interrupted).toBe(true);
    expect(records).toHaveLength(3);
    expect(summary.errors).toEqual({ aborted: 3 });
  }, 60_000);

  test('report and compare work on a run where every request failed', async () => {
    const report = await runCli(['report', stalledRun]);
    expect(report.code).toBe(0);
    const markdown = readFileSync(join(stalledRun, 'report.md'), 'utf8');
    expect(markdown).toMatch(/\| timeout \| 4 \|/);
    const good = join(directory, 'good');
    expect((await run(['--profile', 'instant', '--requests', '4', '--out', good])).code).toBe(0);
    const compare = await runCli(['compare', good, stalledRun, '--out', join(directory, 'compared')]);
    expect(compare.code).toBe(0);
    expect(compare.stdout).toMatch(/ttft_ms \(median\) \| — \| ⚠️ no verdict: no value in stalled \(no successful request\)/);
    expect(compare.stdout).not.toMatch(/-100\.0%/);
  }, 60_000);
});

describe('what a failing target says', () => {
  test('an HTML page where a stream was asked for reads not_a_stream, with the start of the page', async () => {
    const html = await target((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<html><body><h1>Sign in to continue</h1></body></html>'));
    const result = await run(['--target', html, '--warmup', '0', '--requests', '2', '--concurrency', '1', '--out', join(directory, 'html')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/every request failed \(not_a_stream: text\/html × 2: <html><body><h1>Sign in to continue<\/h1>/);
  }, 30_000);

  test('a whole JSON answer where a stream was asked for reads not_a_stream: application/json', async () => {
    const json = await target((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ choices: [{ message: { content: 'hi' } }] })));
    const result = await run(['--target', json, '--warmup', '0', '--requests', '1', '--out', join(directory, 'json')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not_a_stream: application\/json × 1/);
  }, 30_000);

  test("a failing warm-up stops the run with the target's own message, before measuring anything", async () => {
    const failing = await target((_req, res) => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'CUDA out of memory', type: 'server_error', code: 'internal_error' } })));
    const out = join(directory, 'warmup-failed');
    const result = await run(['--target', failing, '--requests', '4', '--out', out]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${failing}: the warm-up request failed 3 times: http_500: internal_error (CUDA out of memory); nothing was measured`);
    expect(existsSync(join(out, 'summary.json'))).toBe(false);
  }, 30_000);

  test('a 401 says which environment variable the key comes from', async () => {
    const locked = await target((_req, res) => res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'Incorrect API key provided', code: 'invalid_api_key' } })), { modelsToo: true });
    const result = await run(['--target', locked, '--requests', '1', '--out', join(directory, 'locked')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/HTTP 401: Incorrect API key provided\); the target wants an API key: set OPENAI_API_KEY, or name the variable holding it with --api-key-env NAME/);
  }, 30_000);

  test('a base URL without /v1 gets a 404 and the suggestion to add it', async () => {
    const v1 = await target((req, res) => (req.url?.startsWith('/v1/') ? res.writeHead(200).end(MODELS) : res.writeHead(404).end('Not Found')), { modelsToo: true });
    const bare = v1.replace(/\/v1$/, '');
    const result = await run(['--target', bare, '--requests', '1', '--out', join(directory, 'bare')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`OpenAI-compatible servers serve under /v1: try --target ${bare}/v1`);
  }, 30_000);

  test('a refused connection names the URL it tried', async () => {
    const result = await run(['--target', 'http://127.0.0.1:9/v1', '--requests', '1', '--out', join(directory, 'refused')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot reach the target http:\/\/127\.0\.0\.1:9\/v1 \(GET http:\/\/127\.0\.0\.1:9\/v1\/models: .*ECONNREFUSED/);
  }, 30_000);
});

describe('exit codes for CI', () => {
  test('--min-goodput: exit 4 when too few requests met the SLOs, 0 when enough did', async () => {
    const strict = await run(['--profile', 'constant', '--requests', '4', '--concurrency', '4', '--workload', 'synthetic:prompt=32,output=3', '--slo', 'ttft_ms=50', '--min-goodput', '50%', '--out', join(directory, 'strict')]);
    expect(strict.code).toBe(4);
    expect(strict.stderr).toMatch(/goodput 0\.00% of requests met the SLOs, below --min-goodput 50% of requests/);
    const loose = await run(['--profile', 'constant', '--requests', '4', '--concurrency', '4', '--workload', 'synthetic:prompt=32,output=3', '--slo', 'ttft_ms=5000', '--min-goodput', '90%', '--out', join(directory, 'loose')]);
    expect(loose.code).toBe(0);
    const perSecond = await run(['--profile', 'constant', '--requests', '4', '--concurrency', '4', '--workload', 'synthetic:prompt=32,output=3', '--slo', 'ttft_ms=5000', '--min-goodput', '1000', '--out', join(directory, 'per-second')]);
    expect(perSecond.code).toBe(4);
    expect(perSecond.stderr).toMatch(/req\/s met the SLOs, below --min-goodput 1000 req\/s/);
  }, 60_000);
});
