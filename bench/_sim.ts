import { loadProfile } from '../server/profiles/registry';
import { simulate } from '../harness/simulate/simulate';
import { parseWorkload } from '../harness/workload';
import { summarizeRun } from '../harness/metrics/summary';
const name = process.argv[2] ?? 'llama-3.1-8b-h100';
const p = loadProfile(name);
for (const c of [1, 8, 64, 256, 1024]) {
  const w = parseWorkload(process.argv[3] ?? 'synthetic:prompt=1000,output=200', 1);
  const o = simulate(p, w, { pattern: { kind: 'closed', concurrency: c }, requests: Math.max(200, c * 3), warmup: 0, seed: 1 });
  const s: any = summarizeRun(o.records, o.duration_s, {});
  console.log(c, 'wall', o.wall_s.toFixed(2), 'sim', o.duration_s.toFixed(1), 'ttft p50', s.ttft_ms.median.toFixed(1), 'tpot p50', s.tpot_ms.median.toFixed(2), 'out tok/s', s.output_throughput.toFixed(0), 'preempt', o.preemptions, 'failed', s.failed);
}
