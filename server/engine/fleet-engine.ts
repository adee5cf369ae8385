import type { Clock } from './clock';
import type { BlockPool } from './block-pool';
import { combinedStats, type EngineStats, type GenerationHandle, type GenerationRequest, type GenerationSink, type InferenceEngine } from './types';

import type { RouterPolicy } from '../profiles/common';

/** A replica the fleet can route to: an engine, and its prefix cache when it has one. */
export interface Replica extends InferenceEngine {
  readonly blocks?: BlockPool;
}

/**
 * Data-parallel replicas behind a router: each a full engine on its own copy of the hardware, on the
 * one shared clock. Each request goes to one replica, chosen by the policy when it arrives.
 */
export class FleetEngine implements InferenceEngine {
  onStep?: (tokens: number, step_ms: number) => void;
  private readonly outstanding: number[];
  private readonly routed: number[];
  private nextInTurn = 0;

  constructor(
    readonly clock: Clock,
    readonly replicas: readonly Replica[],
    readonly policy: RouterPolicy,
  ) {
    this.outstanding = replicas.map(() => 0);
    this.routed = replicas.map(() => 0);
    for (const replica of replicas) replica.onStep = (tokens, step_ms) => this.onStep?.(tokens, step_ms);
  }

  get prefixBlockSize(): number | undefined {
    return this.replicas[0].prefixBlockSize;
  }

  submit(request: GenerationRequest, sink: GenerationSink): GenerationHandle {
    const index = this.route(request);
    this.nextInTurn++;
    const replica = this.replicas[index];
    this.outstanding[index]++;
    this.routed[index]++;
    let open = true;
    const done = () => {
      if (!open) return;
      open = false;
      this.outstanding[index]--;
    };
    try {
      const handle = replica.submit(request, { ...sink, onFinished: (at_ms) => (done(), sink.onFinished(at_ms)) });
      return { cancel: () => (done(), handle.cancel()) };
    } catch (error) {
      done();
      throw error;
    }
  }

  /** The replica the policy would send a request to now (submit sends it there). */
  route(request: GenerationRequest): number {
    if (this.policy === 'round-robin') return this.nextInTurn % this.replicas.length;
    const leastLoaded = (candidates: number[]) => candidates.reduce((best, index) => (this.outstanding[index] < this.outstanding[best] ? index : best));
    const all = this.replicas.map((_, index) => index);
    if (this.policy === 'least-loaded' || !request.blockHashes?.length) return leastLoaded(all);
    const cached = this.replicas.map((replica) => replica.blocks?.cachedPrefix(request.blockHashes!) ?? 0);
    const longest = Math.max(...cached);
    return leastLoaded(longest > 0 ? all.filter((index) => cached[index] === longest) : all);
  }

  stats(): EngineStats {
    const each = this.replicas.map((replica) => replica.stats());
    return { ...combinedStats(each), replicas: each.map((stats, index) => ({ ...stats, routed: this.routed[index] })) };
  }
}
