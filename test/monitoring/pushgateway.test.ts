import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';

const haveGateway = spawnSync('prometheus-pushgateway', ['--version']).status === 0;
if (!haveGateway && process.env.CI) throw new Error("CI must install Debian's prometheus-pushgateway package (.ci/run does)");

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

(haveGateway ? test : test.skip)('--pushgateway pushes the final figures to a real Pushgateway, grouped by run_id', async () => {
  const port = await freePort();
  const gateway = spawn('prometheus-pushgateway', [`--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 100; i++) {
      if (await fetch(`http://127.0.0.1:${port}/-/ready`).then((r) => r.ok, () => false)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const out = mkdtempSync(join(tmpdir(), 'tokenbench-push-'));
    const result = await runCli(['run', '--profile', 'instant', '--requests', '12', '--concurrency', '3', '--pushgateway', `http://127.0.0.1:${port}`, '--run-id', 'pushed-run', '--out', out]);
    expect(result.code).toBe(0);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/tokenbench_run_requests_total\{[^}]*job="tokenbench"[^}]*outcome="ok"[^}]*run_id="pushed-run"[^}]*\} 12/);
    expect(metrics).toMatch(/tokenbench_run_ttft_seconds_count\{[^}]*run_id="pushed-run"[^}]*\} 12/);

    // Two shards of one run push under one run_id: each keeps its own group, so neither replaces the other.
    const shards = await Promise.all(
      [0, 1].map((index) => runCli(['run', '--profile', 'instant', '--requests', '12', '--concurrency', '2', '--shard', `${index}/2`, '--pushgateway', `http://127.0.0.1:${port}`, '--run-id', 'sharded-run', '--out', join(out, `shard-${index}`)])),
    );
    for (const shard of shards) {
      expect(shard.code).toBe(0);
      expect(shard.stderr).not.toContain('could not push');
    }
    const sharded = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    for (const shard of ['0', '1']) {
      expect(sharded).toMatch(new RegExp(`tokenbench_run_requests_total\\{[^}]*outcome="ok"[^}]*run_id="sharded-run"[^}]*shard="${shard}"[^}]*\\} 6`));
    }
  } finally {
    gateway.kill();
  }
});
