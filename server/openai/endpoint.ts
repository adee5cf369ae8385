import type { Delta } from './generation';
import type { ChoicePlan, GenerationSpec } from './plan';
import type { Tokenizer } from '../../common/text/tokenizer';
import type { ResponseStore } from './response-store';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  completion_tokens_details: { reasoning_tokens: number };
  prompt_tokens_details: { cached_tokens: number };
}

export function usageOf(promptTokens: number, plans: ChoicePlan[]): Usage {
  const completion = plans.reduce((sum, plan) => sum + plan.completionTokens, 0);
  const reasoning = plans.reduce((sum, plan) => sum + plan.reasoningTokens, 0);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completion,
    total_tokens: promptTokens + completion,
    completion_tokens_details: { reasoning_tokens: reasoning },
    prompt_tokens_details: { cached_tokens: 0 },
  };
}

/** Identity of one response: the same id, creation time and model on every chunk. */
export interface ResponseIdentity {
  id: string;
  created_s: number;
  model: string;
}

/**
 * What each generation endpoint (chat, completions, responses) contributes: how its request becomes
 * a `GenerationSpec`, and how planned choices become its wire format, streamed or whole.
 */
export interface EndpointFormat<Request> {
  readonly idPrefix: string;
  /** The request as a `GenerationSpec`, its prompt counted with the served model's tokenizer. */
  toSpec(request: Request, tokenizer: Tokenizer): GenerationSpec;
  wantsStream(request: Request): boolean;
  /** Frames sent as soon as the stream opens (before the engine has produced anything). */
  streamStart(identity: ResponseIdentity, plans: ChoicePlan[], request: Request, usage: Usage): string[];
  /** Frames sent just before the first output (vLLM sends chat's role chunk with the first token). */
  streamFirstOutput?(identity: ResponseIdentity, plans: ChoicePlan[], request: Request): string[];
  /** The finish reason rides on a choice's last-token delta; `streamChoiceEnd` is only for a choice whose last delta was not sent. */
  readonly finishesOnLastDelta?: boolean;
  streamDelta(identity: ResponseIdentity, delta: Delta, request: Request): string[];
  streamChoiceEnd(identity: ResponseIdentity, plan: ChoicePlan, request: Request): string[];
  streamEnd(identity: ResponseIdentity, plans: ChoicePlan[], usage: Usage, request: Request): string[];
  complete(identity: ResponseIdentity, plans: ChoicePlan[], usage: Usage, request: Request): unknown;
  /** Stateful endpoints (Responses): the request with the earlier turns it continues, before planning. */
  withHistory?(request: Request, store: ResponseStore): Request;
  /** Stateful endpoints: keep the finished response for later turns and `GET`. */
  remember?(identity: ResponseIdentity, plans: ChoicePlan[], usage: Usage, request: Request, store: ResponseStore): void;
}

/** `stop` as chat and completions accept it (absent, one string, or a list) → a list. */
export function stopSequences(stop: string | string[] | null | undefined): string[] {
  return stop == null ? [] : Array.isArray(stop) ? stop : [stop];
}

/** Text of a message content field (string, or content parts whose text parts are joined). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => (part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : ''))
    .join('');
}

/** Tokens that non-text parts (images, audio, files) add; OpenAI bills a low-detail image at 85. */
export function nonTextPartTokens(content: unknown): number {
  if (!Array.isArray(content)) return 0;
  return content.filter((part) => part && typeof part === 'object' && typeof (part as { text?: unknown }).text !== 'string').length * 85;
}
