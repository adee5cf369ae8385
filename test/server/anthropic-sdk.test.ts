import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import Ajv from 'ajv';
import { startMock } from '../helpers/mock-server';
import type { RunningServer } from '../../server';

// Anthropic's Messages API on the same engine and profiles, driven by the official @anthropic-ai/sdk.
let mock: RunningServer;
let anthropic: Anthropic;
beforeAll(async () => {
  mock = await startMock({ profiles: ['instant', 'constant'], apiKey: 'sk-ant-local' });
  anthropic = new Anthropic({ baseURL: mock.url, apiKey: 'sk-ant-local', maxRetries: 0 });
});
afterAll(() => mock.close());

const weather: Anthropic.Tool['input_schema'] = { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city', 'unit'] };

test('a text answer, whole and streamed, with the same text and exact usage (input as the chat API counts it)', async () => {
  const params = { model: 'instant-model', max_tokens: 200, system: 'Be brief.', messages: [{ role: 'user' as const, content: 'Tell me about rivers.' }] };
  const whole = await anthropic.messages.create(params);
  expect(whole.type).toBe('message');
  expect(whole.id).toMatch(/^msg_/);
  expect(whole.content[0].type).toBe('text');
  expect(['end_turn', 'max_tokens']).toContain(whole.stop_reason);

  const stream = anthropic.messages.stream(params);
  const kinds: string[] = [];
  stream.on('streamEvent', (event) => kinds.push(event.type));
  const streamed = await stream.finalMessage();
  expect(streamed.content).toEqual(whole.content);
  expect(streamed.usage.output_tokens).toBe(whole.usage.output_tokens);
  expect(streamed.usage.input_tokens).toBe(whole.usage.input_tokens);
  expect(kinds[0]).toBe('message_start');
  expect(kinds.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
  expect(kinds).toContain('content_block_delta');

  // The prompt is counted as the OpenAI chat API counts the same conversation.
  const openai = new OpenAI({ baseURL: mock.baseURL, apiKey: 'sk-ant-local', maxRetries: 0 });
  const chat = await openai.chat.completions.create({ model: 'instant-model', max_tokens: 1, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Tell me about rivers.' }] });
  expect(whole.usage.input_tokens).toBe(chat.usage!.prompt_tokens);
});

test('max_tokens stops the answer with stop_reason "max_tokens" and output_tokens equal to the limit', async () => {
  const message = await anthropic.messages.create({ model: 'instant-model', max_tokens: 3, messages: [{ role: 'user', content: 'Write a long essay.' }] });
  expect(message.stop_reason).toBe('max_tokens');
  expect(message.usage.output_tokens).toBe(3);
  const streamed = await anthropic.messages.stream({ model: 'instant-model', max_tokens: 3, messages: [{ role: 'user', content: 'Write a long essay.' }] }).finalMessage();
  expect(streamed.stop_reason).toBe('max_tokens');
  expect(streamed.usage.output_tokens).toBe(3);
});

test('tool use, whole and streamed: a tool_use block whose input validates against input_schema, stop_reason "tool_use"', async () => {
  const validate = new Ajv().compile(weather);
  const params = { model: 'instant-model', max_tokens: 300, tools: [{ name: 'get_weather', input_schema: weather }], tool_choice: { type: 'tool' as const, name: 'get_weather' }, messages: [{ role: 'user' as const, content: 'Weather in Paris?' }] };
  for (const message of [await anthropic.messages.create(params), await anthropic.messages.stream(params).finalMessage()]) {
    expect(message.stop_reason).toBe('tool_use');
    const block = message.content[0];
    if (block.type !== 'tool_use') throw new Error(`expected tool_use, got ${block.type}`);
    expect(block.name).toBe('get_weather');
    expect(block.id).toMatch(/^toolu_/);
    expect(validate(block.input)).toBe(true);
  }
  // The tool's result goes back as a tool_result block, and the model answers in text.
  const first = await anthropic.messages.create(params);
  const call = first.content[0] as Anthropic.ToolUseBlock;
  const answer = await anthropic.messages.create({
    model: 'instant-model',
    max_tokens: 50,
    tools: params.tools,
    messages: [params.messages[0], { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '18 °C' }] }],
  });
  expect(answer.content[0].type).toBe('text');
});

test("errors come in Anthropic's shape: a wrong x-api-key is a 401 authentication_error, an unknown model a 404 not_found_error, a bad body a 400", async () => {
  const wrong = new Anthropic({ baseURL: mock.url, apiKey: 'sk-wrong', maxRetries: 0 });
  await expect(wrong.messages.create({ model: 'instant-model', max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] })).rejects.toMatchObject({ status: 401, error: { type: 'error', error: { type: 'authentication_error' } } });
  await expect(anthropic.messages.create({ model: 'claude-nope', max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] })).rejects.toMatchObject({ status: 404, error: { error: { type: 'not_found_error' } } });
  const response = await fetch(`${mock.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-local' }, body: JSON.stringify({ model: 'instant-model', messages: [] }) });
  expect(response.status).toBe(400);
  expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
});
