import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMockProcess, type MockProcess } from '../helpers/mock-process';
import { runCli } from '../helpers/cli';

const DASHBOARDS = join(__dirname, '..', '..', 'dashboards');
const havePromtheus = spawnSync('prometheus', ['--version']).status === 0;
if (!havePromtheus && process.env.CI) throw new Error('CI must install Debian\'s prometheus package (.ci/run does)');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Every PromQL expression of every panel of every committed dashboard. */
function dashboardQueries(): Array<{ dashboard: string; panel: string; expr: string }> {
  const queries = [];
  for (const file of readdirSync(DASHBOARDS).filter((name) => name.endsWith('.json'))) {
    const dashboard = JSON.parse(readFileSync(join(DASHBOARDS, file), 'utf8'));
    for (const panel of dashboard.panels ?? []) {
      for (const target of panel.targets ?? []) if (target.expr) queries.push({ dashboard: file, panel: panel.title, expr: target.expr as string });
    }
  }
  return queries;
}

async function promQuery(base: string, path: string, params: Record<string, string>): Promise<any> {
  const response = await fetch(`${base}/api/v1/${path}?${new URLSearchParams(params)}`);
  const body = (await response.json()) as { status: string; error?: string; data: any };
  if (body.status !== 'success') throw new Error(`${path} ${params.query}: ${body.error}`);
  return body.data;
}

(havePromtheus ? describe : describe.skip)('Prometheus end to end: mock + harness --metrics-port + real Prometheus', () => {
  let mock: MockProcess;
  let prometheus: ChildProcess;
  let promUrl: string;
  let start_s: number;
  let directory: string;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'tokenbench-prom-'));
    // A physics model (batching, KV, steps) and a faulty one (injected 429s become harness errors).
    const faulty = join(directory, 'faulty.yaml');
    writeFileSync(faulty, 'kind: empirical\nmodel: faulty-model\nttft_ms: {dist: constant, value: 50}\nitl_ms: {dist: constant, value: 10}\nfaults: {error_rate: {"429": 0.1}}\n');
    mock = await startMockProcess(['--profile', 'llama-3.1-8b-h100', '--profile', faulty]);
    const [harnessA, harnessB, harnessC, promPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const mockHost = new URL(mock.url).host;
    const config = join(directory, 'prometheus.yml');
    writeFileSync(
      config,
      [
        'global: {scrape_interval: 1s, evaluation_interval: 1s}',
        'scrape_configs:',
        `  - {job_name: mock, static_configs: [{targets: ["${mockHost}"]}]}`,
        `  - {job_name: harness, static_configs: [{targets: ["127.0.0.1:${harnessA}", "127.0.0.1:${harnessB}", "127.0.0.1:${harnessC}"]}]}`,
        '',
      ].join('\n'),
    );
    expect(spawnSync('promtool', ['check', 'config', config]).status).toBe(0);
    prometheus = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(directory, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: 'ignore' });
    promUrl = `http://127.0.0.1:${promPort}`;
    for (let i = 0; i < 100; i++) {
      const ready = await fetch(`${promUrl}/-/ready`).then((r) => r.ok, () => false);
      if (ready) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    start_s = Date.now() / 1000;
    // Faults and rejections the mock dashboard shows.
    for (const fault of ['500', '503']) await fetch(`${mock.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-tokenbench-fault': fault }, body: JSON.stringify({ model: 'faulty-model', messages: [{ role: 'user', content: 'hi' }] }) });
    // Two runs at once, as two targets: the mock over loopback by IP and by name ("real" and "modeled");
    // the second as two shards (two processes, one run_id), which the dashboards must sum.
    const common = ['--concurrency', '6', '--duration', '8', '--requests', '100000', '--workload', 'synthetic:prompt=64,output=40', '--slo', 'ttft_ms=200,tpot_ms=30', '--metrics-linger', '3'];
    const byName = mock.baseURL.replace('127.0.0.1', 'localhost');
    const runs = await Promise.all([
      runCli(['run', '--target', mock.baseURL, '--model', 'faulty-model', '--metrics-port', String(harnessA), '--run-id', 'run-a', '--out', join(directory, 'a'), ...common]),
      runCli(['run', '--target', byName, '--model', 'llama-3.1-8b', '--shard', '0/2', '--metrics-port', String(harnessB), '--run-id', 'run-b', '--out', join(directory, 'b0'), ...common]),
      runCli(['run', '--target', byName, '--model', 'llama-3.1-8b', '--shard', '1/2', '--metrics-port', String(harnessC), '--run-id', 'run-b', '--out', join(directory, 'b1'), ...common]),
    ]);
    for (const run of runs) expect(run.code).toBe(0);
  }, 60_000);

  afterAll(async () => {
    prometheus?.kill();
    await mock?.close();
  });

  test('Prometheus scraped the mock and all three harness processes', async () => {
    const up = await promQuery(promUrl, 'query', { query: 'up' });
    expect(up.result).toHaveLength(4);
  });

  test("a sharded run's live metrics add up across its shards, as the dashboards sum them by run_id", async () => {
    const shards = ['b0', 'b1'].map((name) => JSON.parse(readFileSync(join(directory, name, 'summary.json'), 'utf8')));
    const finished = shards.reduce((sum, summary) => sum + summary.completed + summary.failed, 0);
    // The Benchmark run dashboard's own grouping (its "Request rate" and "In flight" panels).
    const total = await promQuery(promUrl, 'query', { query: 'sum by (run_id) (max_over_time(tokenbench_run_requests_total{run_id="run-b"}[1m]))' });
    expect(total.result).toHaveLength(1);
    expect(Number(total.result[0].value[1])).toBe(finished);
    const perShard = await promQuery(promUrl, 'query', { query: 'count by (run_id) (count by (run_id, shard) (max_over_time(tokenbench_run_requests_total{run_id="run-b"}[1m])))' });
    expect(Number(perShard.result[0].value[1])).toBe(2);
    const ttft = await promQuery(promUrl, 'query', { query: 'histogram_quantile(0.5, sum by (le, run_id) (max_over_time(tokenbench_run_ttft_seconds_bucket{run_id="run-b"}[1m])))' });
    expect(ttft.result).toHaveLength(1);
    expect(Number(ttft.result[0].value[1])).toBeGreaterThan(0);
  });

  // vLLM's own dashboard, pointed at the physics model the second run drove.
  const vllmDashboard = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'vllm-grafana-queries.json'), 'utf8')) as { queries: Array<{ panel: string; expr: string }> };
  test.each(vllmDashboard.queries)("vLLM's Grafana dashboard › $panel: $expr returns data", async ({ expr }) => {
    expect(await finitePoints(expr.replace(/\$model_name/g, 'llama-3.1-8b'))).toBeGreaterThan(0);
  });

  test.each(dashboardQueries())('$dashboard › $panel: $expr returns data', async ({ expr }) => {
    expect(await finitePoints(expr)).toBeGreaterThan(0);
  });

  /** How many finite points a Grafana expression returns over the run ($__rate_interval is at least four scrape intervals). */
  async function finitePoints(expr: string): Promise<number> {
    const query = expr.replace(/\$__rate_interval/g, '4s');
    const data = await promQuery(promUrl, 'query_range', { query, start: String(start_s), end: String(Date.now() / 1000), step: '1' });
    return data.result.flatMap((series: { values: Array<[number, string]> }) => series.values).filter(([, value]: [number, string]) => Number.isFinite(Number(value))).length;
  }
});
