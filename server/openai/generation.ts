import type { GenerationHandle, InferenceEngine } from '../engine/types';
import type { ChoicePlan } from './plan';

export type DeltaKind = 'reasoning' | 'content' | 'tool_header' | 'tool_arguments';

export interface Delta {
  choice: ChoicePlan;
  kind: DeltaKind;
  text: string;
  /** Which of the choice's pieces of this kind the delta carries, [from, to). */
  from: number;
  to: number;
  tokens: number;
  /** When the first of these tokens was due on the engine's clock. */
  due_ms: number;
  /** It carries the choice's last token: chat and completions put the finish reason on it, as vLLM does. */
  last: boolean;
}

export interface GenerationListener {
  /** Its prefill began, `cachedTokens` of the prompt found in the prefix cache. */
  onScheduled?(at_ms: number, cachedTokens: number): void;
  onDelta(delta: Delta): void;
  onChoiceFinished?(choice: ChoicePlan, at_ms: number): void;
  onFinished(at_ms: number): void;
}

/**
 * The token-by-token order in which a choice's text is revealed: reasoning, then the answer (a tool
 * call's header tokens and its arguments, or the content). Read by position rather than kept as a list
 * of slots: an open stream's heap is what the young-generation collector copies while requests arrive.
 */
function revealOrder(plan: ChoicePlan): { length: number; isRepeatedHeader(position: number): boolean; deltaAt(position: number, due_ms: number): Delta } {
  const reasoning = plan.reasoningPieces.length;
  const call = plan.toolCalls[0];
  const headerTokens = call ? Math.max(1, plan.completionTokens - plan.reasoningTokens - call.argumentPieces.length) : 0;
  const length = reasoning + (call ? headerTokens + call.argumentPieces.length : plan.contentPieces.length);
  let position = 0;
  const delta = (kind: DeltaKind, text: string, index: number, due_ms: number): Delta => ({ choice: plan, kind, text, from: index, to: index + 1, tokens: 1, due_ms, last: position === length - 1 });
  return {
    length,
    // A tool call's name goes out once, with its first header token; the others carry no text.
    isRepeatedHeader: (position) => call !== undefined && position > reasoning && position - reasoning < headerTokens,
    deltaAt(at, due_ms) {
      position = at;
      if (position < reasoning) return delta('reasoning', plan.reasoningPieces[position], position, due_ms);
      const answer = position - reasoning;
      if (!call) return delta('content', plan.contentPieces[answer], answer, due_ms);
      if (answer < headerTokens) return delta('tool_header', call.name, 0, due_ms);
      return delta('tool_arguments', call.argumentPieces[answer - headerTokens], answer - headerTokens, due_ms);
    },
  };
}

// Work for once the clock's current wake has run (streams' merged deltas, then their ends), in the
// order it was asked for: one microtask per wake rather than one per stream (node's queueMicrotask
// allocates an async resource and a bound function per call, on a path taken once per token).
let afterWake: Array<() => void> = [];
let running: Array<() => void> = [];
function afterThisWake(work: () => void): void {
  if (afterWake.push(work) === 1) queueMicrotask(runAfterWake);
}
function runAfterWake(): void {
  [running, afterWake] = [afterWake, running];
  for (const work of running) {
    try {
      work();
    } catch (error) {
      // One stream's failure must not hold back every other stream's tokens.
      process.emitWarning(`tokenbench stream callback failed: ${(error as Error).stack ?? error}`);
    }
  }
  running.length = 0;
}

/**
 * Runs the planned choices through the engine (one sequence per choice, as vLLM does for `n`) and
 * reports their text as it is due. Tokens of a choice that fall due in the same clock wake are
 * merged into one delta, so one SSE chunk carries them.
 */
export function startGeneration(engine: InferenceEngine, requestId: string, promptTokens: number, plans: ChoicePlan[], listener: GenerationListener, adapter?: string, blockHashes?: readonly string[]): GenerationHandle {
  const handles: GenerationHandle[] = [];
  let remaining = plans.length;
  let cancelled = false;
  let scheduledReported = false;
  const pending: Delta[] = [];
  let flushQueued = false;

  const flush = () => {
    flushQueued = false;
    for (let i = 0; i < pending.length && !cancelled; i++) listener.onDelta(pending[i]);
    pending.length = 0;
  };
  const enqueue = (delta: Delta) => {
    const last = pending[pending.length - 1];
    if (last && last.choice === delta.choice && last.kind === delta.kind && last.to === delta.from && delta.kind !== 'tool_header') {
      last.text += delta.text;
      last.to = delta.to;
      last.tokens += delta.tokens;
      last.last = delta.last;
    } else pending.push(delta);
    if (!flushQueued) {
      flushQueued = true;
      afterThisWake(flush);
    }
  };

  for (const plan of plans) {
    const order = revealOrder(plan);
    let next = 0;
    const handle = engine.submit(
      { id: `${requestId}-${plan.index}`, promptTokens, outputTokens: order.length, ...(adapter ? { adapter } : {}), ...(blockHashes ? { blockHashes } : {}) },
      {
        onScheduled: (at_ms, cachedTokens) => {
          if (!scheduledReported) {
            scheduledReported = true;
            listener.onScheduled?.(at_ms, cachedTokens);
          }
        },
        onTokens: (count, at_ms) => {
          const end = Math.min(order.length, next + count);
          for (; next < end; next++) if (!order.isRepeatedHeader(next)) enqueue(order.deltaAt(next, at_ms));
        },
        onFinished: (at_ms) => {
          afterThisWake(() => {
            if (cancelled) return;
            listener.onChoiceFinished?.(plan, at_ms);
            if (--remaining === 0) listener.onFinished(at_ms);
          });
        },
      },
    );
    handles.push(handle);
  }
  return {
    cancel: () => {
      cancelled = true;
      for (const handle of handles) handle.cancel();
    },
  };
}
