/**
 * npm run bench:simulate — how much faster than real time the simulator runs. 10,000 requests go
 * through physics profiles on the virtual clock; the baseline is real time itself, so the figure is
 * simulated seconds per wall-clock second (goal ≥ 1,000×). Also checks that a second run with the
 * same seed gives bit-identical records.
 */
import { createHash } from 'node:crypto';
import { simulateOnVirtualClock } from '../harness/simulate/simulate';
import { parseWorkload } from '../harness/workload';
import { loadProfile } from '../server/profiles';
import type { LoadPattern } from '../harness/types/run';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 10_000);
const cases: Array<{ profile: string; workload: string; pattern: LoadPattern }> = [
  { profile: 'llama-3.1-8b-h100', workload: 'synthetic:prompt=lognormal(1000,0.6),output=lognormal(200,0.6)', pattern: { kind: 'closed', concurrency: 256 } },
  { profile: 'llama-3.3-70b-fp8-h100x2', workload: 'synthetic:prompt=lognormal(2000,0.6),output=lognormal(300,0.6)', pattern: { kind: 'open', rate_per_s: 8, burstiness: 1 } },
  { profile: 'deepseek-v3-h200x8', workload: 'synthetic:prompt=lognormal(1500,0.6),output=lognormal(400,0.6)', pattern: { kind: 'closed', concurrency: 128 } },
  { profile: 'groq-llama-70b-specdec', workload: 'synthetic:prompt=300,output=300', pattern: { kind: 'closed', concurrency: 8 } },
];

const digest = (records: unknown[]) => createHash('sha256').update(records.map((record) => JSON.stringify(record)).join('\n')).digest('hex').slice(0, 16);

console.log(`requests | profile | load | simulated s | wall s | simulated s per wall s (goal ≥ 1,000) | same seed, same records`);
for (const { profile: name, workload: spec, pattern } of cases) {
  const profile = loadProfile(name);
  const plan = { pattern, requests: REQUESTS, warmup: 0, seed: 1 };
  const first = simulateOnVirtualClock(profile, parseWorkload(spec, 1), plan);
  const second = simulateOnVirtualClock(profile, parseWorkload(spec, 1), plan);
  const load = pattern.kind === 'closed' ? `concurrency ${pattern.concurrency}` : `${pattern.rate_per_s} req/s`;
  const speed = first.duration_s / first.wall_s;
  console.log(`${REQUESTS} | ${name} | ${load} | ${first.duration_s.toFixed(0)} | ${first.wall_s.toFixed(2)} | ${speed.toFixed(0)}× | ${digest(first.records) === digest(second.records) ? 'yes' : 'NO'}`);
}
