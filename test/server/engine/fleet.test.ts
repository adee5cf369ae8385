import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { BatchEngine, coarseBlockHashes, FleetEngine, VirtualClock } from '../../../server/engine';
import { testEngineConfig } from '../../helpers/engine-config';
import { Rng } from '../../../common/random';
import { runCli } from '../../helpers/cli';
import { startMockProcess } from '../../helpers/mock-process';

const config = testEngineConfig({ stepSeconds: (shape) => 0.005 + 1e-5 * (shape.prefillTokens + shape.decodeSeqs), kvCapacityTokens: 16 * 4000, maxNumSeqs: 16, maxNumBatchedTokens: 2048 });

const fleetOf = (policy: 'round-robin' | 'least-loaded' | 'prefix-aware', replicas = 3) => {
  const clock = new VirtualClock();
  const fleet = new FleetEngine(clock, Array.from({ length: replicas }, (_, index) => new BatchEngine(clock, config, new Rng(index))), policy);
  const send = (id: string, outputTokens: number, blockHashes?: string[]) => {
    const replica = fleet.route({ id, promptTokens: 256, outputTokens, blockHashes });
    fleet.submit({ id, promptTokens: 256, outputTokens, blockHashes }, { onTokens() {}, onFinished() {} });
    return replica;
  };
  return { clock, fleet, send };
};

describe('routers', () => {
  test('round-robin takes the replicas in turn', () => {
    const { send } = fleetOf('round-robin');
    expect(['a', 'b', 'c', 'd', 'e'].map((id) => send(id, 10))).toEqual([0, 1, 2, 0, 1]);
  });

  test('least-loaded sends each request to the replica with the fewest outstanding', () => {
    const { clock, fleet, send } = fleetOf('least-loaded');
    expect(send('long-0', 1000)).toBe(0);
    expect(send('long-1', 1000)).toBe(1);
    expect(send('long-2', 1000)).toBe(2);
    expect(send('short', 5)).toBe(0);
    // Once the short request on replica 0 is done, replica 0 has one outstanding, as do the others: the first of the least wins.
    clock.run(200);
    expect(fleet.stats().replicas!.map((replica) => replica.routed)).toEqual([2, 1, 1]);
  });

  test('prefix-aware sends a prompt to the replica that holds its prefix, others to the least loaded', () => {
    const { clock, fleet, send } = fleetOf('prefix-aware');
    const shared = coarseBlockHashes({ blockTokens: 256, hashes: ['system-prompt'] }, 256, 16);
    const other = coarseBlockHashes({ blockTokens: 256, hashes: ['another'] }, 256, 16);
    expect(send('warm', 2, shared)).toBe(0);
    clock.run();
    // Load replica 0 so that least-loaded would avoid it.
    send('busy-0', 5000);
    clock.run(50);
    expect(send('same-prefix', 2, shared)).toBe(0);
    expect(send('new-prefix', 2, other)).toBe(1);
    expect(send('no-hashes', 2)).toBe(2);
    clock.run();
    const replicas = fleet.stats().replicas!;
    expect(replicas[0].prefixCacheHits).toBe(240);
    expect(replicas[1].prefixCacheHits + replicas[2].prefixCacheHits).toBe(0);
  });
});

test('two replicas nearly double saturated throughput (≥ 1.7×), each with half the requests', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'tokenbench-fleet-'));
  const throughput = async (replicas: number) => {
    const out = join(directory, `r${replicas}`);
    const result = await runCli(['simulate', '--profile', 'llama-3.1-8b-h100', '--replicas', String(replicas), '--router', 'least-loaded', '--concurrency', '1024', '--requests', '8000', '--out', out]);
    expect(result.code).toBe(0);
    return JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  };
  const one = await throughput(1);
  const two = await throughput(2);
  process.stdout.write(`saturated throughput: 1 replica ${one.request_throughput.toFixed(1)} req/s, 2 replicas ${two.request_throughput.toFixed(1)} req/s\n`);
  expect(two.request_throughput / one.request_throughput).toBeGreaterThanOrEqual(1.7);
  const routed = two.engine.replicas.map((replica: { routed: number }) => replica.routed);
  expect(routed[0] + routed[1]).toBe(8000);
  expect(Math.abs(routed[0] - routed[1])).toBeLessThan(100);
}, 120_000);

test('serve --replicas 2 --router prefix-aware over real sockets: both engines in /metrics, and a shared system prompt served where it is cached', async () => {
  const mock = await startMockProcess(['--profile', 'llama-3.1-8b-h100', '--replicas', '2', '--router', 'prefix-aware']);
  try {
    const client = new OpenAI({ baseURL: mock.baseURL, apiKey: 'x', maxRetries: 0 });
    const system = `You answer questions about trains. ${'Be precise and brief. '.repeat(120)}`;
    for (const question of ['When is the first train?', 'Is there a night train?', 'Can I bring a bike?']) {
      await client.chat.completions.create({ model: 'llama-3.1-8b', messages: [{ role: 'system', content: system }, { role: 'user', content: question }], max_tokens: 3 });
    }
    const metrics = await (await fetch(`${mock.url}/metrics`)).text();
    const value = (name: string, engine: string) => Number(new RegExp(`^${name}\\{[^}]*engine="${engine}"[^}]*\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
    for (const engine of ['0', '1']) {
      expect(value('vllm:num_requests_running', engine)).toBe(0);
      expect(metrics).toMatch(new RegExp(`vllm:cache_config_info\\{[^}]*engine="${engine}"`));
    }
    // The first conversation went to a replica; the two after it found the system prompt there.
    const hits = ['0', '1'].map((engine) => value('vllm:prefix_cache_hits_total', engine));
    expect(hits.filter((count) => count > 0)).toHaveLength(1);
    // Two conversations of ~600 shared tokens each.
    expect(Math.max(...hits)).toBeGreaterThan(2 * 500);
  } finally {
    await mock.close();
  }
}, 30_000);
