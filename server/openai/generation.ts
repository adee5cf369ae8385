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
}

export interface GenerationListener {
  onScheduled?(at_ms: number): void;
  onDelta(delta: Delta): void;
  onChoiceFinished?(choice: ChoicePlan, at_ms: number): void;
  onFinished(at_ms: number): void;
}

interface Slot {
  kind: DeltaKind;
  piece: string;
  index: number;
}

/** The token-by-token order in which a choice's text is revealed: reasoning, then the answer. */
function slotsOf(plan: ChoicePlan): Slot[] {
  const slots: Slot[] = plan.reasoningPieces.map((piece, index) => ({ kind: 'reasoning', piece, index }));
  if (plan.toolCalls.length > 0) {
    const call = plan.toolCalls[0];
    const headerTokens = Math.max(1, plan.completionTokens - plan.reasoningTokens - call.argumentPieces.length);
    for (let i = 0; i < headerTokens; i++) slots.push({ kind: 'tool_header', piece: i === 0 ? call.name : '', index: 0 });
    call.argumentPieces.forEach((piece, index) => slots.push({ kind: 'tool_arguments', piece, index }));
  } else {
    plan.contentPieces.forEach((piece, index) => slots.push({ kind: 'content', piece, index }));
  }
  return slots;
}

/**
 * Runs the planned choices through the engine (one sequence per choice, as vLLM does for `n`) and
 * reports their text as it is due. Tokens of a choice that fall due in the same clock wake are
 * merged into one delta, so one SSE chunk carries them.
 */
export function startGeneration(engine: InferenceEngine, requestId: string, promptTokens: number, plans: ChoicePlan[], listener: GenerationListener): GenerationHandle {
  const handles: GenerationHandle[] = [];
  let remaining = plans.length;
  let cancelled = false;
  let scheduledReported = false;
  const pending: Delta[] = [];
  let flushQueued = false;

  const flush = () => {
    flushQueued = false;
    const deltas = pending.splice(0);
    for (const delta of deltas) if (!cancelled) listener.onDelta(delta);
  };
  const enqueue = (delta: Delta) => {
    const last = pending[pending.length - 1];
    if (last && last.choice === delta.choice && last.kind === delta.kind && last.to === delta.from && delta.kind !== 'tool_header') {
      last.text += delta.text;
      last.to = delta.to;
      last.tokens += delta.tokens;
    } else pending.push(delta);
    if (!flushQueued) {
      flushQueued = true;
      queueMicrotask(flush);
    }
  };

  for (const plan of plans) {
    const slots = slotsOf(plan);
    let next = 0;
    let headerSent = false;
    const handle = engine.submit(
      { id: `${requestId}-${plan.index}`, promptTokens, outputTokens: slots.length },
      {
        onScheduled: (at_ms) => {
          if (!scheduledReported) {
            scheduledReported = true;
            listener.onScheduled?.(at_ms);
          }
        },
        onTokens: (count, at_ms) => {
          const end = Math.min(slots.length, next + count);
          for (; next < end; next++) {
            const slot = slots[next];
            if (slot.kind === 'tool_header') {
              if (headerSent) continue;
              headerSent = true;
            }
            enqueue({ choice: plan, kind: slot.kind, text: slot.piece, from: slot.index, to: slot.index + 1, tokens: 1, due_ms: at_ms });
          }
        },
        onFinished: (at_ms) => {
          queueMicrotask(() => {
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
