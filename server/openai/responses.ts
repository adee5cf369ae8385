import type { ResponsesRequest } from './schemas';
import { contentText, nonTextPartTokens, type EndpointFormat, type ResponseIdentity, type Usage } from './endpoint';
import type { Delta } from './generation';
import type { ChoicePlan, GenerationSpec } from './plan';
import { sseEvent } from './sse';
import { errors } from './errors';
import type { ConversationItem } from './response-store';
import { chatPromptTokenIds, countChatPromptTokens } from '../../common/text/tokenizer';

/**
 * The Responses API (`POST /v1/responses`): one output (n is always 1), streamed as typed events
 * `response.created` → `response.in_progress` → `response.output_item.added` → ... deltas ... →
 * `response.output_item.done` → `response.completed`, each with a `sequence_number`.
 */
const sequenceNumbers = new WeakMap<ResponseIdentity, number>();
function event(identity: ResponseIdentity, type: string, body: Record<string, unknown>): string {
  const sequence_number = sequenceNumbers.get(identity) ?? 0;
  sequenceNumbers.set(identity, sequence_number + 1);
  return sseEvent(type, { type, sequence_number, ...body });
}

const itemId = (identity: ResponseIdentity, kind: string) => `${kind}_${identity.id.slice(5)}`;

function outputItems(identity: ResponseIdentity, plan: ChoicePlan | undefined, done: boolean) {
  if (!plan) return [];
  const items: unknown[] = [];
  if (plan.reasoningTokens > 0) {
    items.push({ type: 'reasoning', id: itemId(identity, 'rs'), summary: [], ...(plan.reasoningVisible ? { content: [{ type: 'reasoning_text', text: plan.reasoningPieces.join('') }] } : {}) });
  }
  if (plan.toolCalls.length > 0) {
    for (const call of plan.toolCalls) {
      items.push({ type: 'function_call', id: itemId(identity, 'fc'), call_id: call.id, name: call.name, arguments: done ? call.arguments : '', status: done ? 'completed' : 'in_progress' });
    }
  } else {
    items.push({
      type: 'message',
      id: itemId(identity, 'msg'),
      status: done ? 'completed' : 'in_progress',
      role: 'assistant',
      content: done ? [{ type: 'output_text', text: plan.contentPieces.join(''), annotations: [], logprobs: [] }] : [],
    });
  }
  return items;
}

function responseObject(identity: ResponseIdentity, request: ResponsesRequest, plan: ChoicePlan | undefined, status: string, usage?: Usage) {
  const output = status === 'in_progress' ? [] : outputItems(identity, plan, true);
  return {
    id: identity.id,
    object: 'response',
    created_at: identity.created_s,
    status,
    error: null,
    incomplete_details: plan && plan.finishReason === 'length' && status !== 'in_progress' ? { reason: 'max_output_tokens' } : null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    model: identity.model,
    output,
    output_text: status === 'in_progress' || !plan ? '' : plan.contentPieces.join(''),
    parallel_tool_calls: true,
    previous_response_id: request.previous_response_id ?? null,
    reasoning: { effort: request.reasoning?.effort ?? null, summary: null },
    temperature: request.temperature ?? 1,
    text: { format: request.text?.format ?? { type: 'text' } },
    tool_choice: request.tool_choice ?? 'auto',
    tools: request.tools ?? [],
    top_p: request.top_p ?? 1,
    truncation: 'disabled',
    usage: usage
      ? {
          input_tokens: usage.prompt_tokens,
          input_tokens_details: { cached_tokens: usage.prompt_tokens_details.cached_tokens },
          output_tokens: usage.completion_tokens,
          output_tokens_details: { reasoning_tokens: usage.completion_tokens_details.reasoning_tokens },
          total_tokens: usage.total_tokens,
        }
      : null,
    metadata: request.metadata ?? {},
  };
}

/** A finished response's status: cut by max_output_tokens is `incomplete`, as OpenAI reports it. */
const finalStatus = (plans: ChoicePlan[]) => (plans[0]?.finishReason === 'length' ? 'incomplete' : 'completed');

/** The index of the message (or function call) item among the output items. */
const answerIndex = (plan: ChoicePlan) => (plan.reasoningTokens > 0 ? 1 : 0);

export const responsesFormat: EndpointFormat<ResponsesRequest> = {
  idPrefix: 'resp_',

  toSpec(request, tokenizer): GenerationSpec {
    const messages: { role: string; content: string }[] = [];
    if (request.instructions) messages.push({ role: 'system', content: request.instructions });
    let extraTokens = 0;
    let lastRole = 'user';
    if (typeof request.input === 'string') messages.push({ role: 'user', content: request.input });
    else {
      for (const item of request.input) {
        if ('role' in item && typeof item.role === 'string') {
          messages.push({ role: item.role, content: contentText(item.content) });
          extraTokens += nonTextPartTokens(item.content);
          lastRole = item.role;
        } else if (item.type === 'function_call_output') {
          messages.push({ role: 'tool', content: typeof item.output === 'string' ? item.output : JSON.stringify(item.output) });
          lastRole = 'tool';
        } else {
          messages.push({ role: 'assistant', content: JSON.stringify(item) });
        }
      }
    }
    const tools = (request.tools ?? []).flatMap((tool) =>
      tool.type === 'function' && typeof tool.name === 'string' ? [{ name: tool.name, parameters: (tool.parameters ?? undefined) as Record<string, unknown> | undefined }] : [],
    );
    const format = request.text?.format;
    const choice = request.tool_choice;
    const lastUser = [...messages].reverse().find((message) => message.role === 'user');
    return {
      promptText: messages.map((message) => `${message.role}: ${message.content}`).join('\n'),
      lastUserText: lastUser?.content ?? '',
      lastRole,
      promptTokens: countChatPromptTokens(tokenizer, messages, request.tools?.length ? JSON.stringify(request.tools) : '') + extraTokens,
      promptTokenIds: () => chatPromptTokenIds(tokenizer, messages, request.tools?.length ? JSON.stringify(request.tools) : ''),
      maxTokens: request.max_output_tokens ?? undefined,
      minTokens: request.min_tokens ?? undefined,
      ignoreEos: request.ignore_eos ?? false,
      stop: [],
      n: 1,
      seed: request.seed ?? undefined,
      tools,
      toolChoice: choice == null ? (tools.length ? 'auto' : 'none') : typeof choice === 'string' ? choice : { name: choice.name },
      responseFormat: !format || format.type === 'text' ? { type: 'text' } : format.type === 'json_object' ? { type: 'json_object' } : { type: 'json_schema', schema: format.schema },
      reasoningEffort: request.reasoning?.effort ?? undefined,
    };
  },

  wantsStream: (request) => request.stream === true,

  streamStart(identity, plans, request) {
    const plan = plans[0];
    const frames = [
      event(identity, 'response.created', { response: responseObject(identity, request, plan, 'in_progress') }),
      event(identity, 'response.in_progress', { response: responseObject(identity, request, plan, 'in_progress') }),
    ];
    const items = outputItems(identity, plan, false);
    items.forEach((item, output_index) => {
      frames.push(event(identity, 'response.output_item.added', { output_index, item }));
      if ((item as { type: string }).type === 'message') {
        frames.push(event(identity, 'response.content_part.added', { item_id: itemId(identity, 'msg'), output_index, content_index: 0, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } }));
      }
    });
    return frames;
  },

  streamDelta(identity, delta: Delta) {
    const output_index = answerIndex(delta.choice);
    switch (delta.kind) {
      case 'content':
        return [event(identity, 'response.output_text.delta', { item_id: itemId(identity, 'msg'), output_index, content_index: 0, delta: delta.text, logprobs: [] })];
      case 'tool_arguments':
        return [event(identity, 'response.function_call_arguments.delta', { item_id: itemId(identity, 'fc'), output_index, delta: delta.text })];
      case 'reasoning':
        return delta.choice.reasoningVisible
          ? [event(identity, 'response.reasoning_text.delta', { item_id: itemId(identity, 'rs'), output_index: 0, content_index: 0, delta: delta.text })]
          : [];
      default:
        return [];
    }
  },

  streamChoiceEnd(identity, plan) {
    const output_index = answerIndex(plan);
    const [item] = outputItems(identity, plan, true).slice(output_index);
    const frames: string[] = [];
    if (plan.reasoningTokens > 0) frames.push(event(identity, 'response.output_item.done', { output_index: 0, item: outputItems(identity, plan, true)[0] }));
    if (plan.toolCalls.length > 0) {
      frames.push(event(identity, 'response.function_call_arguments.done', { item_id: itemId(identity, 'fc'), output_index, arguments: plan.toolCalls[0].arguments, name: plan.toolCalls[0].name }));
    } else {
      const text = plan.contentPieces.join('');
      frames.push(event(identity, 'response.output_text.done', { item_id: itemId(identity, 'msg'), output_index, content_index: 0, text, logprobs: [] }));
      frames.push(event(identity, 'response.content_part.done', { item_id: itemId(identity, 'msg'), output_index, content_index: 0, part: { type: 'output_text', text, annotations: [], logprobs: [] } }));
    }
    frames.push(event(identity, 'response.output_item.done', { output_index, item }));
    return frames;
  },

  streamEnd(identity, plans, usage, request) {
    const status = finalStatus(plans);
    return [event(identity, status === 'completed' ? 'response.completed' : 'response.incomplete', { response: responseObject(identity, request, plans[0], status, usage) })];
  },

  complete(identity, plans, usage, request) {
    return responseObject(identity, request, plans[0], finalStatus(plans), usage);
  },

  withHistory(request, store) {
    if (!request.previous_response_id) return request;
    const previous = store.get(request.previous_response_id);
    if (!previous) throw errors.previousResponseNotFound(request.previous_response_id);
    // The earlier turns come first; the earlier instructions do not carry over (OpenAI's rule).
    return { ...request, input: [...previous.conversation, ...inputItems(request.input)] };
  },

  remember(identity, plans, usage, request, store) {
    if (request.store === false) return;
    const response = responseObject(identity, request, plans[0], finalStatus(plans), usage);
    const answer = outputItems(identity, plans[0], true).filter((item) => (item as { type: string }).type !== 'reasoning') as ConversationItem[];
    store.put(identity.id, { response, conversation: [...inputItems(request.input), ...answer] });
  },
};

const inputItems = (input: ResponsesRequest['input']): ConversationItem[] => (typeof input === 'string' ? [{ role: 'user', content: input }] : input);
