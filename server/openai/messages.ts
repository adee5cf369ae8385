import { chatPromptTokenIds, countChatPromptTokens } from '../../common/text/tokenizer';
import type { EndpointFormat, ResponseIdentity, Usage } from './endpoint';
import type { Delta } from './generation';
import type { ChoicePlan, GenerationSpec } from './plan';
import type { MessagesRequest } from './schemas';
import { sseEvent } from './sse';

/**
 * Anthropic's Messages API on the same engine: `message_start`, then per content block
 * `content_block_start` → `content_block_delta`s → `content_block_stop`, then `message_delta` (stop
 * reason, output tokens) and `message_stop`. Hidden reasoning costs output tokens but is not shown.
 */
const STOP_REASONS: Record<string, string> = { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use' };
const stopReason = (plan: ChoicePlan | undefined) => STOP_REASONS[plan?.finishReason ?? 'stop'] ?? 'end_turn';

const blockText = (content: MessagesRequest['messages'][number]['content']): string =>
  typeof content === 'string'
    ? content
    : content
        .map((block) => {
          const typed = block as { type: string; text?: string; content?: unknown; name?: string; input?: unknown };
          if (typed.type === 'text') return typed.text ?? '';
          if (typed.type === 'tool_use') return JSON.stringify({ name: typed.name, input: typed.input });
          if (typed.type === 'tool_result') return typeof typed.content === 'string' ? typed.content : JSON.stringify(typed.content ?? '');
          return '';
        })
        .join('');

const toolUseId = (identity: ResponseIdentity) => `toolu_${identity.id.slice(4)}`;

function contentBlocks(identity: ResponseIdentity, plan: ChoicePlan | undefined): unknown[] {
  if (!plan) return [];
  if (plan.toolCalls.length) return plan.toolCalls.map((call) => ({ type: 'tool_use', id: toolUseId(identity), name: call.name, input: JSON.parse(call.arguments) }));
  return [{ type: 'text', text: plan.contentPieces.join('') }];
}

const usageOf = (usage: Usage) => ({ input_tokens: usage.prompt_tokens, output_tokens: usage.completion_tokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });

function message(identity: ResponseIdentity, plan: ChoicePlan | undefined, usage: Usage, done: boolean) {
  return {
    id: identity.id,
    type: 'message',
    role: 'assistant',
    model: identity.model,
    content: done ? contentBlocks(identity, plan) : [],
    stop_reason: done ? stopReason(plan) : null,
    stop_sequence: null,
    usage: done ? usageOf(usage) : { ...usageOf(usage), output_tokens: 0 },
  };
}

export const messagesFormat: EndpointFormat<MessagesRequest> = {
  idPrefix: 'msg_',

  toSpec(request, tokenizer): GenerationSpec {
    const messages: Array<{ role: string; content: string }> = [];
    const system = typeof request.system === 'string' ? request.system : (request.system ?? []).map((block) => block.text).join('\n');
    if (system) messages.push({ role: 'system', content: system });
    let lastRole = 'user';
    for (const turn of request.messages) {
      const resultsOnly = Array.isArray(turn.content) && turn.content.length > 0 && turn.content.every((block) => (block as { type: string }).type === 'tool_result');
      lastRole = resultsOnly ? 'tool' : turn.role;
      messages.push({ role: lastRole, content: blockText(turn.content) });
    }
    const tools = (request.tools ?? []).map((tool) => ({ name: tool.name, parameters: tool.input_schema as Record<string, unknown> }));
    const choice = request.tool_choice;
    const lastUser = [...request.messages].reverse().find((turn) => turn.role === 'user');
    return {
      promptText: messages.map((entry) => `${entry.role}: ${entry.content}`).join('\n'),
      lastUserText: lastUser ? blockText(lastUser.content) : '',
      lastRole,
      promptTokens: countChatPromptTokens(tokenizer, messages, request.tools?.length ? JSON.stringify(request.tools) : ''),
      promptTokenIds: () => chatPromptTokenIds(tokenizer, messages, request.tools?.length ? JSON.stringify(request.tools) : ''),
      maxTokens: request.max_tokens,
      ignoreEos: false,
      stop: request.stop_sequences ?? [],
      n: 1,
      tools,
      toolChoice: !choice || choice.type === 'auto' ? (tools.length ? 'auto' : 'none') : choice.type === 'any' ? 'required' : choice.type === 'none' ? 'none' : { name: (choice as { name: string }).name },
      responseFormat: { type: 'text' },
    };
  },

  wantsStream: (request) => request.stream === true,

  streamStart(identity, plans, _request, usage) {
    return [sseEvent('message_start', { type: 'message_start', message: message(identity, plans[0], usage, false) })];
  },

  // The answer's block opens with its first output (a tool_use block names its tool there).
  streamFirstOutput(identity, plans) {
    const [block] = contentBlocks(identity, plans[0]) as Array<Record<string, unknown>>;
    const opening = block?.type === 'tool_use' ? { ...block, input: {} } : { type: 'text', text: '' };
    return [sseEvent('content_block_start', { type: 'content_block_start', index: 0, content_block: opening }), sseEvent('ping', { type: 'ping' })];
  },

  streamDelta(_identity, delta: Delta) {
    if (delta.kind === 'content') return [sseEvent('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: delta.text } })];
    if (delta.kind === 'tool_arguments') return [sseEvent('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: delta.text } })];
    return [];
  },

  streamChoiceEnd() {
    return [sseEvent('content_block_stop', { type: 'content_block_stop', index: 0 })];
  },

  streamEnd(_identity, plans, usage) {
    return [
      sseEvent('message_delta', { type: 'message_delta', delta: { stop_reason: stopReason(plans[0]), stop_sequence: null }, usage: { output_tokens: usage.completion_tokens } }),
      sseEvent('message_stop', { type: 'message_stop' }),
    ];
  },

  complete(identity, plans, usage) {
    return message(identity, plans[0], usage, true);
  },
};
