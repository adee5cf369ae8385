import type { LoadPattern, Shard } from '../types/run';

/** `I/N` (0-based, as Kubernetes' JOB_COMPLETION_INDEX counts): shard I of N. */
export function parseShard(text: string, source = '--shard'): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) throw new Error(`${source}: "${text}" is not I/N (e.g. 0/3: the first of three shards)`);
  return checkShard({ index: Number(match[1]), count: Number(match[2]) }, source);
}

export function checkShard(shard: Shard, source = 'shard'): Shard {
  if (!Number.isSafeInteger(shard.count) || shard.count < 1) throw new Error(`${source}: the shard count must be a whole number ≥ 1 (got ${shard.count})`);
  if (!Number.isSafeInteger(shard.index) || shard.index < 0 || shard.index >= shard.count) throw new Error(`${source}: the shard index must be 0 … ${shard.count - 1} (got ${shard.index})`);
  return shard;
}

/**
 * The shard a process is, from (in order) `--shard I/N`, `TOKENBENCH_SHARD=I/N`, or a Kubernetes
 * Indexed Job's `JOB_COMPLETION_INDEX` with `--shards N`; none of them: not sharded.
 */
export function shardFrom(options: { shard?: string; shards?: number }, environment: NodeJS.ProcessEnv = process.env): Shard | undefined {
  if (options.shard !== undefined) return parseShard(options.shard);
  if (environment.TOKENBENCH_SHARD) return parseShard(environment.TOKENBENCH_SHARD, 'TOKENBENCH_SHARD');
  if (options.shards === undefined) return undefined;
  const index = environment.JOB_COMPLETION_INDEX;
  if (index === undefined || !/^\d+$/.test(index)) throw new Error(`--shards ${options.shards}: JOB_COMPLETION_INDEX (set by a Kubernetes Indexed Job) is ${index === undefined ? 'not set' : `"${index}"`}; give --shard I/N instead`);
  return checkShard({ index: Number(index), count: options.shards }, '--shards with JOB_COMPLETION_INDEX');
}

/** Whether global request id `id` is this shard's: ids are dealt round-robin, so the union of the shards is the whole run. */
export const ownsRequest = (shard: Shard | undefined, id: number): boolean => !shard || id % shard.count === shard.index;

/** This shard's share of a closed loop's concurrency (the shares add up to the whole). */
export function shardConcurrency(concurrency: number, shard: Shard | undefined): number {
  if (!shard) return concurrency;
  if (concurrency < shard.count) throw new Error(`concurrency ${concurrency} cannot be split over ${shard.count} shards`);
  return Math.floor(concurrency / shard.count) + (shard.index < concurrency % shard.count ? 1 : 0);
}

/** What one shard runs, for descriptions: its concurrency, or its share of the rate. */
export function shardPattern(pattern: LoadPattern, shard: Shard | undefined): LoadPattern {
  if (!shard) return pattern;
  return pattern.kind === 'closed' ? { kind: 'closed', concurrency: shardConcurrency(pattern.concurrency, shard) } : { ...pattern, rate_per_s: pattern.rate_per_s / shard.count };
}
