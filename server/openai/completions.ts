import type { CompletionRequest } from './schemas';
import { stopSequences, type EndpointFormat, type ResponseIdentity } from './endpoint';
import type { Delta } from './generation';
import type { ChoicePlan } from './plan';
import { sseData, SSE_DONE } from './sse';

function promptText(prompt: CompletionRequest['prompt']): string {
  if (typeof prompt === 'string') return prompt;
  // Token-id prompts have no text; their length is what matters to timing.
  return prompt.map((item) => (typeof item === 'string' ? item : '')).join('\n');
}

function promptTokenIds(prompt: CompletionRequest['prompt']): number {
  if (typeof prompt === 'string' || typeof prompt[0] === 'string') return 0;
  if (typeof prompt[0] === 'number') return prompt.length;
  return (prompt as number[][]).reduce((sum, ids) => sum + ids.length, 0);
}

/** The token ids a prompt gave directly (a list of ids, or of lists). */
function givenTokenIds(prompt: CompletionRequest['prompt']): number[] {
  if (typeof prompt === 'string' || typeof prompt[0] === 'string') return [];
  if (typeof prompt[0] === 'number') return prompt as number[];
  return (prompt as number[][]).flat();
}

function legacyLogprobs(plan: ChoicePlan, from: number, to: number, offsetBase: number) {
  if (!plan.logprobs) return null;
  const slice = plan.logprobs.slice(from, to);
  let offset = offsetBase + plan.contentPieces.slice(0, from).join('').length;
  return {
    tokens: slice.map((entry) => entry.token),
    token_logprobs: slice.map((entry) => entry.logprob),
    top_logprobs: slice.map((entry) => Object.fromEntries(entry.top_logprobs.map((alt) => [alt.token, alt.logprob]))),
    text_offset: slice.map((entry) => {
      const at = offset;
      offset += entry.token.length;
      return at;
    }),
  };
}

function chunk(identity: ResponseIdentity, choices: unknown[], extra: Record<string, unknown> = {}) {
  return { id: identity.id, object: 'text_completion', created: identity.created_s, model: identity.model, system_fingerprint: null, choices, ...extra };
}

export const completionsFormat: EndpointFormat<CompletionRequest> = {
  idPrefix: 'cmpl-',

  toSpec(request, tokenizer) {
    const text = promptText(request.prompt);
    return {
      promptText: text,
      lastUserText: text,
      lastRole: 'user',
      // A raw prompt has no chat template: its tokens are the text's tokens (or the ids given).
      promptTokens: tokenizer.count(text) + promptTokenIds(request.prompt),
      promptTokenIds: () => [...tokenizer.encode(text), ...givenTokenIds(request.prompt)],
      maxTokens: request.max_tokens ?? undefined,
      minTokens: request.min_tokens ?? undefined,
      ignoreEos: request.ignore_eos ?? false,
      stop: stopSequences(request.stop),
      n: request.n ?? 1,
      seed: request.seed ?? undefined,
      tools: [],
      toolChoice: 'none',
      responseFormat: { type: 'text' },
      topLogprobs: request.logprobs == null ? undefined : request.logprobs,
    };
  },

  wantsStream: (request) => request.stream === true,

  finishesOnLastDelta: true,

  streamStart(identity, plans, request) {
    if (!request.echo || typeof request.prompt !== 'string') return [];
    return plans.map((plan) => sseData(chunk(identity, [{ index: plan.index, text: request.prompt, logprobs: null, finish_reason: null }])));
  },

  streamDelta(identity, delta: Delta, request) {
    if (delta.kind !== 'content') return [];
    const echoed = request.echo && typeof request.prompt === 'string' ? request.prompt.length : 0;
    const finish = delta.last ? completionFinishReason(delta.choice) : null;
    return [sseData(chunk(identity, [{ index: delta.choice.index, text: delta.text, logprobs: legacyLogprobs(delta.choice, delta.from, delta.to, echoed), finish_reason: finish }]))];
  },

  streamChoiceEnd(identity, plan) {
    return [sseData(chunk(identity, [{ index: plan.index, text: '', logprobs: null, finish_reason: completionFinishReason(plan) }]))];
  },

  streamEnd(identity, _plans, usage, request) {
    const frames: string[] = [];
    if (request.stream_options?.include_usage) {
      frames.push(sseData(chunk(identity, [], { usage: { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens, total_tokens: usage.total_tokens } })));
    }
    frames.push(SSE_DONE);
    return frames;
  },

  complete(identity, plans, usage, request) {
    const echoed = request.echo && typeof request.prompt === 'string' ? request.prompt : '';
    return {
      id: identity.id,
      object: 'text_completion',
      created: identity.created_s,
      model: identity.model,
      system_fingerprint: null,
      choices: plans.map((plan) => ({
        index: plan.index,
        text: echoed + plan.contentPieces.join(''),
        logprobs: legacyLogprobs(plan, 0, plan.contentPieces.length, echoed.length),
        finish_reason: completionFinishReason(plan),
      })),
      usage: { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens, total_tokens: usage.total_tokens },
    };
  },
};

/** Completions have no tool calls: such a plan finished as `stop`. */
const completionFinishReason = (plan: ChoicePlan): string => (plan.finishReason === 'tool_calls' ? 'stop' : plan.finishReason);
