import type { Clock, TimerHandle } from './clock';
import type { Rng } from '../../common/random';
import { enginePromptTokens, stepJitterSigma, type BatchEngineConfig } from '../profiles/engine-config';
import { prefillAttentionSum as prefillAttentionSumOf, type StepShape } from '../profiles/step-cost';
import { BlockPool } from './block-pool';
import { adaptersOf, QueueFullError, type EngineStats, type GenerationHandle, type GenerationRequest, type GenerationSink, type InferenceEngine } from './types';

interface Sequence {
  request: GenerationRequest;
  sink: GenerationSink;
  state: 'arriving' | 'waiting' | 'running' | 'done';
  /** The prompt in the modeled engine's tokens (the profile's prompt_token_ratio and offset applied). */
  enginePromptTokens: number;
  /** Tokens to run through prefill before decoding: the prompt, or prompt + output so far after a preemption. */
  prefillTarget: number;
  prefilled: number;
  delivered: number;
  /** The KV blocks it holds (ids in the pool), and those beyond the pool a lone sequence may overflow into. */
  blockIds: number[];
  overflowBlocks: number;
  /** The prompt's full-block hashes, and how many of its blocks are registered in the prefix cache. */
  hashes: readonly string[];
  registered: number;
  arrivalTimer?: TimerHandle;
  notifiedScheduled: boolean;
  /** Its KV cache arrives computed from a prefill replica (until a preemption drops it). */
  kvTransferred: boolean;
}

interface PlannedStep {
  decode: Sequence[];
  prefill: Array<{ sequence: Sequence; tokens: number }>;
  shape: StepShape;
}

/** Free blocks kept back from admission so running sequences can grow (vLLM's 1% watermark). */
const WATERMARK_FRACTION = 0.01;

/**
 * Continuous batching (Orca, OSDI'22) over a paged KV cache (vLLM, SOSP'23): one iteration at a time,
 * each running every decoding sequence one token (or a speculative burst) plus chunks of prefill up to
 * the token budget (Sarathi-Serve). Admission is FCFS while blocks and seats last; a sequence that
 * cannot grow preempts the most recently admitted one, which is recomputed later. Step durations come
 * from the profile's roofline, so latency under load emerges from sharing rather than being drawn.
 */
export class BatchEngine implements InferenceEngine {
  onStep?: (tokens: number, step_ms: number) => void;
  private readonly waiting: Sequence[] = [];
  private readonly running: Sequence[] = [];
  private readonly totalBlocks: number;
  private readonly watermarkBlocks: number;
  private readonly pool: BlockPool;
  private overflowBlocks = 0;
  private prefixCacheQueries = 0;
  private prefixCacheHits = 0;
  /** True while an iteration is scheduled or running; new work joins at the next iteration. */
  private busy = false;
  private preemptions = 0;
  private lastBatchSize = 0;
  private lastStep_ms = 0;
  private stepsRun = 0;

  constructor(
    readonly clock: Clock,
    private readonly setup: BatchEngineConfig,
    private readonly rng: Rng,
    private readonly maxWaiting = Infinity,
  ) {
    this.totalBlocks = Math.floor(setup.kvCapacityTokens / setup.blockSize);
    this.watermarkBlocks = Math.floor(this.totalBlocks * WATERMARK_FRACTION);
    this.pool = new BlockPool(this.totalBlocks, setup.prefixCaching);
  }

  submit(request: GenerationRequest, sink: GenerationSink): GenerationHandle {
    if (this.waiting.length >= this.maxWaiting) throw new QueueFullError(1);
    const promptTokens = enginePromptTokens(this.setup, request.promptTokens);
    const sequence: Sequence = {
      request,
      sink,
      state: 'arriving',
      enginePromptTokens: promptTokens,
      prefillTarget: promptTokens,
      prefilled: 0,
      // A transferred sequence's first token was sampled on the prefill replica.
      delivered: request.kvTransferred ? 1 : 0,
      blockIds: [],
      overflowBlocks: 0,
      hashes: request.kvTransferred ? [] : (request.blockHashes ?? []),
      registered: 0,
      notifiedScheduled: false,
      kvTransferred: request.kvTransferred === true,
    };
    const handle = { cancel: () => this.cancel(sequence) };
    if (request.outputTokens <= sequence.delivered) {
      sink.onScheduled?.(this.clock.now_ms(), 0);
      this.finish(sequence, this.clock.now_ms());
      return handle;
    }
    const overhead_ms = this.setup.apiOverhead_ms;
    if (overhead_ms > 0) sequence.arrivalTimer = this.clock.at(this.clock.now_ms() + overhead_ms, () => this.enqueue(sequence));
    else this.enqueue(sequence);
    return handle;
  }

  stats(): EngineStats {
    return {
      running: this.running.length,
      waiting: this.waiting.length,
      kvCacheUsage: this.totalBlocks > 0 ? this.usedBlocks / this.totalBlocks : 0,
      kvBlocksUsed: this.usedBlocks,
      kvBlocksTotal: this.totalBlocks,
      blockSize: this.setup.blockSize,
      preemptions: this.preemptions,
      lastBatchSize: this.lastBatchSize,
      lastStep_ms: this.lastStep_ms,
      runningAdapters: adaptersOf(this.running),
      waitingAdapters: adaptersOf(this.waiting),
      prefixCacheQueries: this.prefixCacheQueries,
      prefixCacheHits: this.prefixCacheHits,
    };
  }

  /** Blocks held by running sequences, overflow included. */
  private get usedBlocks(): number {
    return this.pool.usedBlocks + this.overflowBlocks;
  }

  get prefixBlockSize(): number | undefined {
    return this.setup.prefixCaching ? this.setup.blockSize : undefined;
  }

  /** The block pool (tests check its accounting). */
  get blocks(): BlockPool {
    return this.pool;
  }

  /** Iterations run so far (for tests and the simulator's report). */
  get steps(): number {
    return this.stepsRun;
  }

  private enqueue(sequence: Sequence): void {
    if (sequence.state !== 'arriving') return;
    sequence.state = 'waiting';
    this.waiting.push(sequence);
    this.wake(this.clock.now_ms());
  }

  /** Starts an iteration at `at_ms` unless one is already under way (it picks up new work when it ends). */
  private wake(at_ms: number): void {
    if (this.busy) return;
    this.busy = true;
    this.clock.at(at_ms, () => this.runStep(at_ms));
  }

  private runStep(start_ms: number): void {
    const plan = this.schedule(start_ms);
    if (!plan) {
      this.lastBatchSize = 0;
      this.busy = false;
      return;
    }
    const withAdapter = this.setup.loraStepOverhead_s > 0 && (plan.decode.some((sequence) => sequence.request.adapter) || plan.prefill.some((chunk) => chunk.sequence.request.adapter));
    const nominal_s = this.setup.stepSeconds(plan.shape) + (withAdapter ? this.setup.loraStepOverhead_s : 0);
    const sigma = stepJitterSigma(this.setup.jitterSigma, nominal_s * 1000, this.setup.jitterReference_ms);
    // Mean-preserving lognormal noise: exp(σZ − σ²/2) has expectation 1.
    const jitter = sigma > 0 ? Math.exp(sigma * this.rng.standardNormal() - (sigma * sigma) / 2) : 1;
    const step_ms = nominal_s * 1000 * jitter;
    const end_ms = start_ms + step_ms;
    this.lastBatchSize = plan.decode.length + plan.prefill.length;
    this.lastStep_ms = step_ms;
    this.stepsRun++;
    this.onStep?.(plan.shape.decodeSeqs * plan.shape.tokensPerDecodeSeq + plan.shape.prefillTokens, step_ms);
    this.clock.at(end_ms, () => {
      this.commit(plan, end_ms);
      this.runStep(end_ms);
    });
  }

  private blocksFor(tokens: number): number {
    return Math.ceil(tokens / this.setup.blockSize);
  }

  /** Grows a sequence's block table to hold `tokens`; false when the cache is full. */
  private grow(sequence: Sequence, tokens: number): boolean {
    const extra = this.blocksFor(tokens) - sequence.blockIds.length - sequence.overflowBlocks;
    if (extra <= 0) return true;
    const ids = this.pool.grow(extra);
    if (ids) {
      sequence.blockIds.push(...ids);
      return true;
    }
    // A sequence alone may overflow rather than deadlock (its context limit was checked upstream).
    if (this.running.length > 1) return false;
    this.overflow(sequence, extra);
    return true;
  }

  /** Blocks beyond the pool: only a lone sequence that cannot otherwise progress holds them. */
  private overflow(sequence: Sequence, blocks: number): void {
    const fromPool = this.pool.grow(Math.min(blocks, this.pool.freeBlocks)) ?? [];
    sequence.blockIds.push(...fromPool);
    sequence.overflowBlocks += blocks - fromPool.length;
    this.overflowBlocks += blocks - fromPool.length;
  }

  private release(sequence: Sequence): void {
    this.pool.release(sequence.blockIds);
    sequence.blockIds = [];
    this.overflowBlocks -= sequence.overflowBlocks;
    sequence.overflowBlocks = 0;
    sequence.registered = 0;
  }

  /** Preemption by recompute (vLLM's default): drop the victim's KV and put it back at the head of the queue. */
  private preempt(victim: Sequence): void {
    this.release(victim);
    this.running.splice(this.running.indexOf(victim), 1);
    victim.state = 'waiting';
    victim.prefilled = 0;
    victim.kvTransferred = false;
    victim.prefillTarget = victim.enginePromptTokens + victim.delivered;
    this.waiting.unshift(victim);
    this.preemptions++;
  }

  private schedule(now_ms: number): PlannedStep | undefined {
    const speculation = this.setup.speculation;
    const tokensPerDecodeSeq = speculation ? speculation.gamma + 1 : 1;
    let budget = this.setup.maxNumBatchedTokens;
    const preemptionsBefore = this.preemptions;
    const decode: Sequence[] = [];
    const prefill: PlannedStep['prefill'] = [];
    for (let index = 0; index < this.running.length; index++) {
      const sequence = this.running[index];
      if (sequence.prefilled < sequence.prefillTarget) {
        const tokens = Math.min(sequence.prefillTarget - sequence.prefilled, budget);
        if (tokens > 0) prefill.push({ sequence, tokens });
        budget -= tokens;
        continue;
      }
      const context = sequence.enginePromptTokens + sequence.delivered;
      // Speculation writes γ+1 KV slots before verification trims them (docs/DESIGN.md §2).
      while (!this.grow(sequence, context + tokensPerDecodeSeq)) {
        const victim = this.running[this.running.length - 1];
        this.preempt(victim);
        if (victim === sequence) break;
      }
      // Victims come from the tail, so a preempted `sequence` was the last one: nothing is left to visit.
      if (sequence.state !== 'running') break;
      decode.push(sequence);
      budget -= tokensPerDecodeSeq;
    }
    const preemptedThisStep = this.preemptions > preemptionsBefore;
    // Admit in arrival order while seats, budget and blocks last; the head blocks the queue (FCFS).
    // No admissions in a step that had to preempt: the cache is full, and the victim would thrash.
    while (!preemptedThisStep && this.waiting.length > 0 && this.running.length < this.setup.maxNumSeqs && budget > 0) {
      const sequence = this.waiting[0];
      if (sequence.kvTransferred) {
        if (!this.admitTransferred(sequence, now_ms, tokensPerDecodeSeq)) break;
        decode.push(sequence);
        budget -= tokensPerDecodeSeq;
        continue;
      }
      const needed = this.blocksFor(sequence.prefillTarget + 1);
      // The longest cached prefix of full blocks, leaving at least one token to compute (it samples the next).
      const cached = Math.min(this.pool.cachedPrefix(sequence.hashes), Math.floor((sequence.prefillTarget - 1) / this.setup.blockSize));
      const fresh = needed - cached;
      const fits = this.pool.freeNeeded(sequence.hashes, cached, fresh) + this.watermarkBlocks <= this.pool.freeBlocks;
      if (!fits && this.running.length > 0) break;
      this.waiting.shift();
      sequence.state = 'running';
      const ids = this.pool.allocate(sequence.hashes, cached, fits ? fresh : 0);
      sequence.blockIds = ids ?? [];
      // Alone and too big for what is free: it overflows rather than deadlock.
      if (!fits) this.overflow(sequence, needed - sequence.blockIds.length);
      const cachedTokens = ids ? cached * this.setup.blockSize : 0;
      sequence.registered = ids ? cached : 0;
      sequence.prefilled = cachedTokens;
      this.prefixCacheQueries += sequence.prefillTarget;
      this.prefixCacheHits += cachedTokens;
      this.running.push(sequence);
      this.notifyScheduled(sequence, now_ms, cachedTokens);
      const tokens = Math.min(sequence.prefillTarget - cachedTokens, budget);
      prefill.push({ sequence, tokens });
      budget -= tokens;
    }
    if (decode.length === 0 && prefill.length === 0) return undefined;
    let decodeContextSum = 0;
    for (const sequence of decode) decodeContextSum += sequence.enginePromptTokens + sequence.delivered;
    let prefillTokens = 0;
    let prefillAttentionSum = 0;
    let prefillCachedContextSum = 0;
    for (const { sequence, tokens } of prefill) {
      const cached = sequence.prefilled;
      prefillTokens += tokens;
      prefillAttentionSum += prefillAttentionSumOf(tokens, cached);
      prefillCachedContextSum += cached;
    }
    return {
      decode,
      prefill,
      shape: {
        decodeSeqs: decode.length,
        decodeContextSum,
        tokensPerDecodeSeq,
        prefillTokens,
        prefillAttentionSum,
        prefillCachedContextSum,
        prefillSeqs: prefill.length,
      },
    };
  }

  private notifyScheduled(sequence: Sequence, now_ms: number, cachedTokens: number): void {
    if (sequence.notifiedScheduled) return;
    sequence.notifiedScheduled = true;
    sequence.sink.onScheduled?.(now_ms, cachedTokens);
  }

  /**
   * Admits a sequence whose KV cache arrived from a prefill replica: blocks for its context and this
   * step's token, no prefill (Mooncake's and DistServe's decode instances). False when they do not fit.
   */
  private admitTransferred(sequence: Sequence, now_ms: number, tokensPerDecodeSeq: number): boolean {
    const needed = this.blocksFor(sequence.prefillTarget + sequence.delivered + tokensPerDecodeSeq);
    const fits = needed + this.watermarkBlocks <= this.pool.freeBlocks;
    if (!fits && this.running.length > 0) return false;
    this.waiting.shift();
    sequence.state = 'running';
    sequence.blockIds = (fits ? this.pool.grow(needed) : undefined) ?? [];
    if (!fits) this.overflow(sequence, needed - sequence.blockIds.length);
    sequence.prefilled = sequence.prefillTarget;
    this.running.push(sequence);
    this.notifyScheduled(sequence, now_ms, 0);
    return true;
  }

  /** Tokens a decoding sequence gains this step: 1, or 1 + accepted drafts (each accepted with α until the first miss). */
  private tokensThisStep(): number {
    const speculation = this.setup.speculation;
    if (!speculation) return 1;
    let tokens = 1;
    while (tokens <= speculation.gamma && this.rng.next() < speculation.acceptance) tokens++;
    return tokens;
  }

  private deliver(sequence: Sequence, tokens: number, at_ms: number): void {
    const count = Math.min(tokens, sequence.request.outputTokens - sequence.delivered);
    sequence.delivered += count;
    sequence.sink.onTokens(count, at_ms);
    if (sequence.delivered >= sequence.request.outputTokens) this.finish(sequence, at_ms);
  }

  private commit(plan: PlannedStep, end_ms: number): void {
    for (const sequence of plan.decode) {
      if (sequence.state === 'running') this.deliver(sequence, this.tokensThisStep(), end_ms);
    }
    for (const { sequence, tokens } of plan.prefill) {
      if (sequence.state !== 'running') continue;
      sequence.prefilled += tokens;
      // Its prompt blocks now computed become shareable.
      const computed = Math.min(sequence.hashes.length, Math.floor(sequence.prefilled / this.setup.blockSize), sequence.blockIds.length);
      for (; sequence.registered < computed; sequence.registered++) this.pool.register(sequence.blockIds[sequence.registered], sequence.hashes[sequence.registered]);
      // The last prefill chunk samples the next token (the first one, or the one after a recompute).
      if (sequence.prefilled >= sequence.prefillTarget) this.deliver(sequence, 1, end_ms);
    }
  }

  private finish(sequence: Sequence, at_ms: number): void {
    this.remove(sequence);
    sequence.sink.onFinished(at_ms);
  }

  private cancel(sequence: Sequence): void {
    this.remove(sequence);
  }

  private remove(sequence: Sequence): void {
    if (sequence.state === 'done') return;
    sequence.arrivalTimer?.cancel();
    if (sequence.state === 'waiting') this.waiting.splice(this.waiting.indexOf(sequence), 1);
    if (sequence.state === 'running') {
      this.running.splice(this.running.indexOf(sequence), 1);
      this.release(sequence);
    }
    sequence.state = 'done';
  }
}

