import type { ChatCompletionRequest } from './schemas';
import { contentText, nonTextPartTokens, stopSequences, type EndpointFormat, type ResponseIdentity, type Usage } from './endpoint';
import type { Delta } from './generation';
import type { ChoicePlan, GenerationSpec, TokenLogprob } from './plan';
import { sseData, SSE_DONE } from './sse';
import { chatPromptTokenIds, countChatPromptTokens, type CountableMessage } from '../../common/text/tokenizer';

const SYSTEM_FINGERPRINT = 'fp_tokenbench';

function chunk(identity: ResponseIdentity, choices: unknown[], extra: Record<string, unknown> = {}) {
  return { id: identity.id, object: 'chat.completion.chunk', created: identity.created_s, model: identity.model, system_fingerprint: SYSTEM_FINGERPRINT, choices, ...extra };
}

function logprobSlice(plan: ChoicePlan, from: number, to: number): { content: TokenLogprob[] } | null {
  return plan.logprobs ? { content: plan.logprobs.slice(from, to) } : null;
}

// Content deltas are the hot path (one per token per stream): their JSON is spliced from a cached
// prefix instead of stringifying the whole chunk object each time. Same bytes as `chunk()` gives.
const contentPrefixes = new WeakMap<ResponseIdentity, string>();
function contentFrame(identity: ResponseIdentity, index: number, text: string, finish: string | null): string {
  let prefix = contentPrefixes.get(identity);
  if (prefix === undefined) {
    prefix = JSON.stringify(chunk(identity, [])).replace(/"choices":\[\]\}$/, '"choices":[{"index":');
    contentPrefixes.set(identity, prefix);
  }
  return `data: ${prefix}${index},"delta":{"content":${JSON.stringify(text)}},"logprobs":null,"finish_reason":${finish === null ? 'null' : JSON.stringify(finish)}}]}\n\n`;
}

export const chatFormat: EndpointFormat<ChatCompletionRequest> = {
  idPrefix: 'chatcmpl-',

  toSpec(request, tokenizer): GenerationSpec {
    const { messages, templateExtra, imageTokens } = chatPrompt(request);
    const tools = (request.tools ?? []).map((tool) => ({ name: tool.function.name, parameters: tool.function.parameters }));
    const lastUser = [...request.messages].reverse().find((message) => message.role === 'user');
    const format = request.response_format;
    const choice = request.tool_choice;
    return {
      promptText: messages.map((message) => `${message.role}: ${message.content}`).join('\n'),
      lastUserText: contentText(lastUser?.content),
      lastRole: request.messages[request.messages.length - 1].role,
      promptTokens: countChatPromptTokens(tokenizer, messages, templateExtra) + imageTokens,
      promptTokenIds: () => chatPromptTokenIds(tokenizer, messages, templateExtra),
      maxTokens: request.max_completion_tokens ?? request.max_tokens ?? undefined,
      minTokens: request.min_tokens ?? undefined,
      ignoreEos: request.ignore_eos ?? false,
      stop: stopSequences(request.stop),
      n: request.n ?? 1,
      seed: request.seed ?? undefined,
      tools,
      toolChoice: choice == null ? (tools.length ? 'auto' : 'none') : typeof choice === 'string' ? choice : { name: choice.function.name },
      responseFormat:
        !format || format.type === 'text' ? { type: 'text' } : format.type === 'json_object' ? { type: 'json_object' } : { type: 'json_schema', schema: format.json_schema.schema },
      reasoningEffort: request.reasoning_effort ?? undefined,
      topLogprobs: request.logprobs ? (request.top_logprobs ?? 0) : undefined,
    };
  },

  wantsStream: (request) => request.stream === true,

  finishesOnLastDelta: true,

  // Nothing until the first token, then the role chunk with it (vLLM's first iteration): a client
  // that times the first event with `choices` (vLLM's own benchmark does) then reads the real TTFT.
  streamStart: () => [],

  streamFirstOutput(identity, plans) {
    return [sseData(chunk(identity, plans.map((plan) => ({ index: plan.index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }))))];
  },

  streamDelta(identity, delta: Delta) {
    const { choice } = delta;
    let body: Record<string, unknown>;
    let logprobs: unknown = null;
    switch (delta.kind) {
      case 'reasoning':
        body = { reasoning_content: delta.text };
        break;
      case 'content':
        if (!choice.logprobs) return [contentFrame(identity, choice.index, delta.text, delta.last ? choice.finishReason : null)];
        body = { content: delta.text };
        logprobs = logprobSlice(choice, delta.from, delta.to);
        break;
      case 'tool_header': {
        const call = choice.toolCalls[0];
        body = { tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] };
        break;
      }
      case 'tool_arguments':
        body = { tool_calls: [{ index: 0, function: { arguments: delta.text } }] };
        break;
    }
    return [sseData(chunk(identity, [{ index: choice.index, delta: body, logprobs, finish_reason: delta.last ? choice.finishReason : null }]))];
  },

  streamChoiceEnd(identity, plan) {
    return [sseData(chunk(identity, [{ index: plan.index, delta: {}, logprobs: null, finish_reason: plan.finishReason }]))];
  },

  streamEnd(identity, _plans, usage: Usage, request) {
    const frames: string[] = [];
    if (request.stream_options?.include_usage) frames.push(sseData(chunk(identity, [], { usage })));
    frames.push(SSE_DONE);
    return frames;
  },

  complete(identity, plans, usage) {
    return {
      id: identity.id,
      object: 'chat.completion',
      created: identity.created_s,
      model: identity.model,
      system_fingerprint: SYSTEM_FINGERPRINT,
      choices: plans.map((plan) => ({
        index: plan.index,
        message: {
          role: 'assistant',
          content: plan.toolCalls.length ? null : plan.contentPieces.join(''),
          refusal: null,
          ...(plan.reasoningVisible && plan.reasoningPieces.length ? { reasoning_content: plan.reasoningPieces.join('') } : {}),
          ...(plan.toolCalls.length
            ? { tool_calls: plan.toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })) }
            : {}),
        },
        logprobs: plan.logprobs ? { content: plan.logprobs, refusal: null } : null,
        finish_reason: plan.finishReason,
      })),
      usage,
    };
  },
};

/**
 * What a chat request puts in the prompt, as token accounting sees it: the messages (tool calls as
 * JSON), the template's extra text (tool definitions, response format) and non-text parts' tokens.
 * Shared by generation and `/tokenize`, so both count the same.
 */
export function chatPrompt(request: Pick<ChatCompletionRequest, 'messages' | 'tools' | 'response_format'>): { messages: CountableMessage[]; templateExtra: string; imageTokens: number } {
  return {
    messages: request.messages.map((message) => ({
      role: message.role,
      content: contentText(message.content) + (message.tool_calls ? JSON.stringify(message.tool_calls) : ''),
      name: message.name,
    })),
    templateExtra: (request.tools?.length ? JSON.stringify(request.tools) : '') + (request.response_format ? JSON.stringify(request.response_format) : ''),
    imageTokens: request.messages.reduce((sum, message) => sum + nonTextPartTokens(message.content), 0),
  };
}
