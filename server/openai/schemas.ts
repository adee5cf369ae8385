import { z } from 'zod';

/**
 * Request bodies as the OpenAI API defines them. Unknown fields are dropped silently (SDKs send
 * new ones all the time); known fields of the wrong type are a 400 naming the parameter.
 */
const nullable = <T extends z.ZodTypeAny>(schema: T) => schema.nullish();

const textPart = z.object({ type: z.enum(['text', 'input_text', 'output_text']), text: z.string() });
const otherPart = z.object({ type: z.string() }).loose();
export const contentPartSchema = z.union([textPart, otherPart]);
const messageContent = z.union([z.string(), z.array(contentPartSchema)]).nullish();

const toolCallSchema = z.object({
  id: z.string().optional(),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string(), arguments: z.string().optional() }),
});

export const chatMessageSchema = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: messageContent,
  name: z.string().optional(),
  tool_calls: z.array(toolCallSchema).optional(),
  tool_call_id: z.string().optional(),
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;

const jsonSchemaObject = z.record(z.string(), z.unknown());

export const functionToolSchema = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: jsonSchemaObject.optional(),
    strict: nullable(z.boolean()),
  }),
});

const toolChoiceSchema = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) }),
]);

const responseFormatSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({ name: z.string(), schema: jsonSchemaObject.optional(), strict: nullable(z.boolean()), description: z.string().optional() }),
  }),
]);

const stopSchema = nullable(z.union([z.string(), z.array(z.string()).max(4)]));
const maxTokens = nullable(z.number().int().nonnegative());
const streamOptions = nullable(z.object({ include_usage: nullable(z.boolean()) }));
export const reasoningEffortSchema = z.enum(['minimal', 'low', 'medium', 'high']);

/** Fields that benchmarks (vLLM extensions) and every generation endpoint share. */
const samplingShape = {
  model: z.string().min(1),
  n: nullable(z.number().int().min(1).max(128)),
  stop: stopSchema,
  seed: nullable(z.number().int()),
  temperature: nullable(z.number().min(0).max(2)),
  top_p: nullable(z.number().min(0).max(1)),
  stream: nullable(z.boolean()),
  stream_options: streamOptions,
  max_tokens: maxTokens,
  ignore_eos: nullable(z.boolean()),
  min_tokens: nullable(z.number().int().nonnegative()),
};

export const chatCompletionRequestSchema = z.object({
  ...samplingShape,
  messages: z.array(chatMessageSchema).min(1),
  max_completion_tokens: maxTokens,
  logprobs: nullable(z.boolean()),
  top_logprobs: nullable(z.number().int().min(0).max(20)),
  tools: nullable(z.array(functionToolSchema)),
  tool_choice: nullable(toolChoiceSchema),
  parallel_tool_calls: nullable(z.boolean()),
  response_format: nullable(responseFormatSchema),
  reasoning_effort: nullable(reasoningEffortSchema),
  user: nullable(z.string()),
});
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

/** Anthropic's Messages API (`POST /v1/messages`): content blocks, tools with an input schema. */
const anthropicBlock = z.union([
  z.object({ type: z.literal('text'), text: z.string() }).loose(),
  z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown() }).loose(),
  z.object({ type: z.literal('tool_result'), tool_use_id: z.string(), content: z.union([z.string(), z.array(z.object({ type: z.string() }).loose())]).optional() }).loose(),
  z.object({ type: z.string() }).loose(),
]);
export const messagesRequestSchema = z.object({
  model: z.string().min(1),
  max_tokens: z.number().int().min(1),
  messages: z.array(z.object({ role: z.enum(['user', 'assistant']), content: z.union([z.string(), z.array(anthropicBlock)]) })).min(1),
  system: z.union([z.string(), z.array(z.object({ type: z.literal('text'), text: z.string() }).loose())]).optional(),
  stop_sequences: z.array(z.string()).optional(),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  tools: z.array(z.object({ name: z.string().min(1), description: z.string().optional(), input_schema: jsonSchemaObject }).loose()).optional(),
  tool_choice: z
    .union([z.object({ type: z.enum(['auto', 'any', 'none']) }).loose(), z.object({ type: z.literal('tool'), name: z.string() }).loose()])
    .optional(),
  metadata: z.object({ user_id: z.string().optional() }).loose().optional(),
});
export type MessagesRequest = z.infer<typeof messagesRequestSchema>;

/** vLLM's `/tokenize`: a prompt, or chat messages rendered by the chat template; `model` may be left out. */
export const tokenizeRequestSchema = z.union([
  z.object({ model: nullable(z.string().min(1)), prompt: z.string(), add_special_tokens: nullable(z.boolean()), return_token_strs: nullable(z.boolean()) }),
  z.object({
    model: nullable(z.string().min(1)),
    messages: z.array(chatMessageSchema).min(1),
    tools: nullable(z.array(functionToolSchema)),
    response_format: nullable(responseFormatSchema),
    add_generation_prompt: nullable(z.boolean()),
    return_token_strs: nullable(z.boolean()),
  }),
]);
export type TokenizeRequest = z.infer<typeof tokenizeRequestSchema>;

export const detokenizeRequestSchema = z.object({ model: nullable(z.string().min(1)), tokens: z.array(z.number().int().nonnegative()) });
export type DetokenizeRequest = z.infer<typeof detokenizeRequestSchema>;

export const completionRequestSchema = z.object({
  ...samplingShape,
  prompt: z.union([z.string(), z.array(z.string()).min(1), z.array(z.number().int()).min(1), z.array(z.array(z.number().int()).min(1)).min(1)]),
  echo: nullable(z.boolean()),
  logprobs: nullable(z.number().int().min(0).max(5)),
  suffix: nullable(z.string()),
  best_of: nullable(z.number().int().min(1).max(20)),
});
export type CompletionRequest = z.infer<typeof completionRequestSchema>;

const responseInputItem = z.union([
  z.object({
    type: z.literal('message').optional(),
    role: z.enum(['user', 'assistant', 'system', 'developer']),
    content: z.union([z.string(), z.array(contentPartSchema)]),
  }),
  z.object({ type: z.literal('function_call_output'), call_id: z.string(), output: z.union([z.string(), z.array(z.unknown())]) }),
  z.object({ type: z.string() }).loose(),
]);

export const responsesRequestSchema = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(responseInputItem)]),
  instructions: nullable(z.string()),
  max_output_tokens: maxTokens,
  stream: nullable(z.boolean()),
  temperature: nullable(z.number().min(0).max(2)),
  top_p: nullable(z.number().min(0).max(1)),
  tools: nullable(
    z.array(
      z.union([
        z.object({ type: z.literal('function'), name: z.string().min(1), description: nullable(z.string()), parameters: nullable(jsonSchemaObject), strict: nullable(z.boolean()) }),
        z.object({ type: z.string() }).loose(),
      ]),
    ),
  ),
  tool_choice: nullable(z.union([z.enum(['none', 'auto', 'required']), z.object({ type: z.literal('function'), name: z.string() })])),
  text: nullable(
    z.object({
      format: nullable(
        z.discriminatedUnion('type', [
          z.object({ type: z.literal('text') }),
          z.object({ type: z.literal('json_object') }),
          z.object({ type: z.literal('json_schema'), name: z.string().optional(), schema: jsonSchemaObject, strict: nullable(z.boolean()) }),
        ]),
      ),
    }),
  ),
  reasoning: nullable(z.object({ effort: nullable(reasoningEffortSchema) })),
  metadata: nullable(z.record(z.string(), z.string())),
  seed: nullable(z.number().int()),
  ignore_eos: nullable(z.boolean()),
  min_tokens: nullable(z.number().int().nonnegative()),
  /** Continue the conversation of a stored response: its turns come before `input`. */
  previous_response_id: nullable(z.string().min(1)),
  /** Keep the response for `previous_response_id` and `GET` (default true, as OpenAI does). */
  store: nullable(z.boolean()),
});
export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;

export const embeddingsRequestSchema = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1), z.array(z.number().int()).min(1), z.array(z.array(z.number().int()).min(1)).min(1)]),
  encoding_format: nullable(z.enum(['float', 'base64'])),
  dimensions: nullable(z.number().int().min(1).max(8192)),
  user: nullable(z.string()),
});
export type EmbeddingsRequest = z.infer<typeof embeddingsRequestSchema>;
