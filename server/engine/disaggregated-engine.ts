import type { Clock, TimerHandle } from './clock';
import { enginePromptTokens, type BatchEngineConfig } from '../profiles/engine-config';
import { combinedStats, type EngineStats, type GenerationHandle, type GenerationRequest, type GenerationSink, type InferenceEngine, type ReplicaStats } from './types';

/** The link a prefill replica ships a finished prompt's KV cache over to a decode replica. */
export interface KvLink {
  /** KV cache bytes per token of the modeled engine (the model's KV size per token). */
  bytesPerEngineToken: number;
  /** How a prompt's counted tokens become the engine's (the profile's prompt_token_ratio and offset), as the engine prefills them. */
  promptTokens: Pick<BatchEngineConfig, 'promptTokenRatio' | 'promptTokenOffset'>;
  bytesPerSecond: number;
  latency_s: number;
}

// A transfer is latency + bytes / bandwidth (the α–β model, Hockney 1994); DistServe §3 ships each prompt's KV once.
export function kvTransferSeconds(link: KvLink, countedPromptTokens: number): number {
  return link.latency_s + (link.bytesPerEngineToken * enginePromptTokens(link.promptTokens, countedPromptTokens)) / link.bytesPerSecond;
}

/**
 * Disaggregated prefill and decode (DistServe, OSDI'24; Mooncake, FAST'25): a request prefills on the
 * prefill pool, which samples its first token; its KV cache then crosses the link, and the decode pool
 * generates the rest without ever running a prefill beside its decode steps. The first token reaches
 * the client once the transfer lands (vLLM's P/D proxy streams from the decode instance), so TTFT
 * includes it. Each pool is an engine of its own (one replica, or a fleet behind a router) on the one clock.
 */
export class DisaggregatedEngine implements InferenceEngine {
  onStep?: (tokens: number, step_ms: number) => void;
  /** Requests sent to each pool so far. */
  private prefilled = 0;
  private decoded = 0;

  constructor(
    readonly clock: Clock,
    readonly prefillPool: InferenceEngine,
    readonly decodePool: InferenceEngine,
    readonly link: KvLink,
  ) {
    prefillPool.onStep = (tokens, step_ms) => this.onStep?.(tokens, step_ms);
    decodePool.onStep = (tokens, step_ms) => this.onStep?.(tokens, step_ms);
  }

  get prefixBlockSize(): number | undefined {
    return this.prefillPool.prefixBlockSize;
  }

  submit(request: GenerationRequest, sink: GenerationSink): GenerationHandle {
    let transfer: TimerHandle | undefined;
    let decoding: GenerationHandle | undefined;
    let cancelled = false;
    const afterTransfer = (at_ms: number) => {
      sink.onTokens(1, at_ms);
      if (request.outputTokens <= 1) return sink.onFinished(at_ms);
      // The rest is the decode pool's: its tokens 2… go straight to the client.
      this.decoded++;
      decoding = this.decodePool.submit({ ...request, kvTransferred: true }, { onTokens: sink.onTokens, onFinished: sink.onFinished });
    };
    const prefilling = this.prefillPool.submit(
      { ...request, outputTokens: Math.min(1, request.outputTokens) },
      {
        onScheduled: sink.onScheduled,
        onTokens: () => {},
        onFinished: (at_ms) => {
          if (cancelled) return;
          if (request.outputTokens <= 0) return sink.onFinished(at_ms);
          const landed_ms = at_ms + kvTransferSeconds(this.link, request.promptTokens) * 1000;
          transfer = this.clock.at(landed_ms, () => afterTransfer(landed_ms));
        },
      },
    );
    this.prefilled++;
    return {
      cancel: () => {
        cancelled = true;
        prefilling.cancel();
        transfer?.cancel();
        decoding?.cancel();
      },
    };
  }

  stats(): EngineStats {
    const prefill = this.prefillPool.stats();
    const decode = this.decodePool.stats();
    // A pool of one engine has no router: every request the pool got went to it.
    const replicasOf = (stats: EngineStats, role: 'prefill' | 'decode', received: number): ReplicaStats[] => (stats.replicas ?? [{ ...stats, routed: received }]).map((replica) => ({ ...replica, role }));
    return { ...combinedStats([prefill, decode]), replicas: [...replicasOf(prefill, 'prefill', this.prefilled), ...replicasOf(decode, 'decode', this.decoded)] };
  }
}
