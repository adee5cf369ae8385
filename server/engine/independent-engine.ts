import type { Clock, TimerHandle } from './clock';
import { sampleDistribution } from '../../common/distributions';
import type { Rng } from '../../common/random';
import type { EmpiricalProfile } from '../profiles/empirical';
import { adaptersOf, QueueFullError, type EngineStats, type GenerationHandle, type GenerationRequest, type GenerationSink, type InferenceEngine } from './types';

interface Sequence {
  request: GenerationRequest;
  sink: GenerationSink;
  delivered: number;
  timer?: TimerHandle;
  done: boolean;
}

/**
 * Serves an `empirical` profile: every sequence is timed on its own from the profile's TTFT and ITL
 * distributions (no shared batch), paced against absolute deadlines so gaps never drift.
 */
export class IndependentEngine implements InferenceEngine {
  private running = new Set<Sequence>();
  private waiting: Sequence[] = [];

  constructor(
    readonly clock: Clock,
    private readonly profile: EmpiricalProfile,
    private readonly rng: Rng,
  ) {}

  submit(request: GenerationRequest, sink: GenerationSink): GenerationHandle {
    const sequence: Sequence = { request, sink, delivered: 0, done: false };
    if (this.running.size < this.profile.max_num_seqs) this.start(sequence);
    else if (this.waiting.length >= this.profile.max_waiting) throw new QueueFullError(1);
    else this.waiting.push(sequence);
    return { cancel: () => this.finish(sequence) };
  }

  stats(): EngineStats {
    return {
      running: this.running.size,
      waiting: this.waiting.length,
      kvCacheUsage: 0,
      kvBlocksUsed: 0,
      kvBlocksTotal: 0,
      blockSize: 16,
      preemptions: 0,
      lastBatchSize: this.running.size,
      lastStep_ms: 0,
      runningAdapters: adaptersOf(this.running),
      waitingAdapters: adaptersOf(this.waiting),
      // No KV cache is modeled: nothing is looked up.
      prefixCacheQueries: 0,
      prefixCacheHits: 0,
    };
  }

  private start(sequence: Sequence): void {
    const now = this.clock.now_ms();
    this.running.add(sequence);
    sequence.sink.onScheduled?.(now, 0);
    if (sequence.request.outputTokens <= 0) {
      this.finish(sequence, now);
      return;
    }
    const ttft_ms = Math.max(0, sampleDistribution(this.profile.ttft_ms, this.rng));
    this.scheduleToken(sequence, now + ttft_ms);
  }

  // A closure per token, not one kept per sequence: a sequence holding its own callback makes V8
  // pretenure sequences under short requests, and every scavenge then crawls old space. Check
  // `--trace-pretenuring` under `npm run bench:server` before changing this.
  private scheduleToken(sequence: Sequence, due_ms: number): void {
    sequence.timer = this.clock.at(due_ms, () => this.deliverToken(sequence, due_ms));
  }

  private deliverToken(sequence: Sequence, due_ms: number): void {
    if (sequence.done) return;
    sequence.delivered++;
    sequence.sink.onTokens(1, due_ms);
    if (sequence.delivered >= sequence.request.outputTokens) this.finish(sequence, due_ms);
    else this.scheduleToken(sequence, due_ms + Math.max(0, sampleDistribution(this.profile.itl_ms, this.rng)));
  }

  private finish(sequence: Sequence, finished_ms?: number): void {
    if (sequence.done) return;
    sequence.done = true;
    sequence.timer?.cancel();
    const wasWaiting = this.waiting.indexOf(sequence);
    if (wasWaiting >= 0) this.waiting.splice(wasWaiting, 1);
    this.running.delete(sequence);
    if (finished_ms !== undefined) sequence.sink.onFinished(finished_ms);
    while (this.waiting.length > 0 && this.running.size < this.profile.max_num_seqs) this.start(this.waiting.shift()!);
  }
}
