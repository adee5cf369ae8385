import type { Clock } from './clock';

/** One sequence to generate, as the engine sees it: only token counts matter to timing. */
export interface GenerationRequest {
  id: string;
  promptTokens: number;
  /** Tokens to decode, hidden reasoning tokens included. */
  outputTokens: number;
  /** The LoRA adapter this request runs, if any. */
  adapter?: string;
  /**
   * The prompt's full KV blocks (in the engine's block size) as chained hashes: equal hashes, equal
   * prefixes (blockHashesOfTokens, traceBlockHashes). Absent: nothing to share.
   */
  blockHashes?: readonly string[];
  /**
   * Disaggregated decode: the prompt's KV cache and the first token were computed on a prefill replica
   * and shipped here; admission only reserves its blocks, and it decodes from its first step.
   */
  kvTransferred?: boolean;
}

/** Receives a sequence's progress, each call carrying the time (ms on the engine's clock) it was due. */
export interface GenerationSink {
  /** The sequence left the waiting queue and its prefill began, after `cachedTokens` found in the prefix cache. */
  onScheduled?(at_ms: number, cachedTokens: number): void;
  /** `count` more tokens are ready (several at once under speculative decoding). */
  onTokens(count: number, at_ms: number): void;
  /** All `outputTokens` were delivered. */
  onFinished(at_ms: number): void;
}

export interface GenerationHandle {
  /** Stops the sequence and frees what it holds (KV blocks, its batch seat, timers). */
  cancel(): void;
}

export interface EngineStats {
  running: number;
  waiting: number;
  /** KV cache usage, 0..1. */
  kvCacheUsage: number;
  kvBlocksUsed: number;
  kvBlocksTotal: number;
  blockSize: number;
  preemptions: number;
  lastBatchSize: number;
  lastStep_ms: number;
  /** LoRA adapters of the running and the waiting requests (vLLM's lora_requests_info). */
  runningAdapters: string[];
  waitingAdapters: string[];
  /** Prompt tokens looked up in the prefix cache at admission, and those found (vLLM's prefix_cache_queries/hits). */
  prefixCacheQueries: number;
  prefixCacheHits: number;
  /** Behind a router: each replica's own figures (vLLM's `engine` label), with the requests routed to it. */
  replicas?: ReplicaStats[];
}

/** One replica's figures: its engine's, the requests routed to it, and its pool when prefill and decode are disaggregated. */
export interface ReplicaStats extends EngineStats {
  routed: number;
  role?: 'prefill' | 'decode';
}

/** Each replica's name (the `engine` label): its index, or its pool and index in the pool when disaggregated. */
export function replicaNames(replicas: readonly ReplicaStats[]): string[] {
  const seen = new Map<string, number>();
  return replicas.map((replica, index) => {
    if (!replica.role) return String(index);
    const inPool = seen.get(replica.role) ?? 0;
    seen.set(replica.role, inPool + 1);
    return `${replica.role}-${inPool}`;
  });
}

/** Raised by `submit` when the waiting queue is full; the HTTP layer answers 429 with Retry-After. */
export class QueueFullError extends Error {
  constructor(readonly retryAfter_s: number) {
    super('the server is at capacity: too many requests are waiting');
  }
}

export interface InferenceEngine {
  readonly clock: Clock;
  /** The block size its prefix cache hashes prompts by; undefined when it has none (then no hashes are needed). */
  readonly prefixBlockSize?: number;
  /** Called as each iteration is scheduled (batch engines only): tokens it processes and its duration. */
  onStep?: (tokens: number, step_ms: number) => void;
  submit(request: GenerationRequest, sink: GenerationSink): GenerationHandle;
  stats(): EngineStats;
}

/** The distinct adapters among some requests' sequences, sorted (vLLM lists them comma-joined). */
export function adaptersOf(sequences: Iterable<{ request: GenerationRequest }>): string[] {
  const names = new Set<string>();
  for (const sequence of sequences) if (sequence.request.adapter) names.add(sequence.request.adapter);
  return [...names].sort();
}

/** Several engines' figures as one: counts summed, KV usage over all blocks, the slowest last step. */
export function combinedStats(each: readonly EngineStats[]): EngineStats {
  const sum = (pick: (stats: EngineStats) => number) => each.reduce((total, stats) => total + pick(stats), 0);
  const blocksTotal = sum((stats) => stats.kvBlocksTotal);
  return {
    running: sum((stats) => stats.running),
    waiting: sum((stats) => stats.waiting),
    kvCacheUsage: blocksTotal > 0 ? sum((stats) => stats.kvBlocksUsed) / blocksTotal : 0,
    kvBlocksUsed: sum((stats) => stats.kvBlocksUsed),
    kvBlocksTotal: blocksTotal,
    blockSize: each[0].blockSize,
    preemptions: sum((stats) => stats.preemptions),
    lastBatchSize: sum((stats) => stats.lastBatchSize),
    lastStep_ms: Math.max(...each.map((stats) => stats.lastStep_ms)),
    runningAdapters: [...new Set(each.flatMap((stats) => stats.runningAdapters))].sort(),
    waitingAdapters: [...new Set(each.flatMap((stats) => stats.waitingAdapters))].sort(),
    prefixCacheQueries: sum((stats) => stats.prefixCacheQueries),
    prefixCacheHits: sum((stats) => stats.prefixCacheHits),
  };
}
