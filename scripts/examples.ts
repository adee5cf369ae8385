/**
 * npm run examples — regenerates reports/examples/ from real runs against the mock: a single run, a
 * sweep, and a comparison of the served mock with a simulation of the same profile. Each is written
 * by the tokenbench CLI itself (dist/), exactly as a user would get it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
// Relative to the repository root (the CLI runs there), so the committed reports name no machine's paths.
const EXAMPLES = join('reports', 'examples');
const WORKLOAD = 'synthetic:prompt=lognormal(512,0.5),output=lognormal(96,0.4)';

function tokenbench(...args: string[]): void {
  process.stderr.write(`$ tokenbench ${args.join(' ')}\n`);
  const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'tokenbench.js'), ...args], { stdio: ['ignore', 'inherit', 'inherit'], cwd: ROOT });
  if (result.status !== 0) throw new Error(`tokenbench ${args[0]} failed (${result.status})`);
}

rmSync(join(ROOT, EXAMPLES), { recursive: true, force: true });
mkdirSync(join(ROOT, EXAMPLES), { recursive: true });
// Llama-3.1-8B on one H100 with 32 seats, so the sweep saturates at a size worth committing.
const PROFILE = join(EXAMPLES, 'llama-3.1-8b-h100-32-seats.yaml');
writeFileSync(join(ROOT, PROFILE), 'kind: physics\ndescription: Llama-3.1-8B BF16 on 1×H100 SXM, at most 32 sequences per batch\nhardware: h100-sxm\nmodel: llama-3.1-8b\nmax_num_seqs: 32\n');
const single = join(EXAMPLES, 'single-run');
tokenbench('run', '--profile', PROFILE, '--workload', WORKLOAD, '--concurrency', '16', '--requests', '160', '--seed', '1', '--slo', 'ttft_ms=250,tpot_ms=12', '--scrape-interval', '0.5', '--out', single);
tokenbench('sweep', '--profile', PROFILE, '--workload', WORKLOAD, '--seed', '1', '--out', join(EXAMPLES, 'sweep'));
const simulated = join(EXAMPLES, 'simulated-run');
tokenbench('simulate', '--profile', PROFILE, '--workload', WORKLOAD, '--concurrency', '16', '--requests', '160', '--seed', '1', '--out', simulated);
tokenbench('compare', single, simulated, '--label', 'served-mock,simulated', '--tolerance', '10%', '--out', join(EXAMPLES, 'comparison.md'));
