import { DatasetWorkload, parseDatasetSpec } from './datasets';
import { SyntheticWorkload, parseSyntheticSpec } from './synthetic';
import { TraceWorkload, type TraceOptions } from './traces';
import type { Workload } from '../types/workload';

export type { Workload, WorkloadRequest } from '../types/workload';

/**
 * `synthetic:prompt=N,output=N[,prefix=N]`; a dataset: `sharegpt:FILE`, `jsonl:FILE`, `openai-chat:FILE`
 * (each with `;output=DIST` for rows without an answer length); or a trace: `azure:FILE`, `burstgpt:FILE`, `mooncake:FILE`
 * (rows selected and sped up by `trace`).
 */
export function parseWorkload(spec: string, seed: number, trace: Partial<TraceOptions> = {}): Workload {
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const body = colon < 0 ? '' : spec.slice(colon + 1);
  if (kind === 'synthetic') return new SyntheticWorkload(parseSyntheticSpec(body), seed);
  if (kind === 'sharegpt' || kind === 'jsonl' || kind === 'openai-chat') {
    const { path, options } = parseDatasetSpec(body);
    return new DatasetWorkload(kind, path, options, seed);
  }
  if (kind === 'azure' || kind === 'burstgpt' || kind === 'mooncake') {
    if (!body) throw new Error(`workload ${kind}: give the trace file, e.g. ${kind}:path/to/trace`);
    return new TraceWorkload(kind, body, { start: trace.start ?? 0, limit: trace.limit ?? Number.MAX_SAFE_INTEGER, speedup: trace.speedup ?? 1 }, seed);
  }
  throw new Error(`unknown workload "${spec}" (synthetic:..., sharegpt:FILE, jsonl:FILE, openai-chat:FILE, azure:FILE, burstgpt:FILE, mooncake:FILE)`);
}
