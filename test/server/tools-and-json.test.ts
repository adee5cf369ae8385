import OpenAI from 'openai';
import Ajv from 'ajv';
import { startMock } from '../helpers/mock-server';
import type { RunningServer } from '../../server';
import { parseProfile } from '../../server/profiles';

let mock: RunningServer;
let client: OpenAI;
beforeAll(async () => {
  mock = await startMock();
  client = new OpenAI({ baseURL: mock.baseURL, apiKey: 'unused', maxRetries: 0 });
});
afterAll(() => mock.close());

const weatherSchema = {
  type: 'object',
  properties: {
    city: { type: 'string', minLength: 2 },
    unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
    days: { type: 'integer', minimum: 1, maximum: 7 },
    hourly: { type: 'boolean' },
  },
  required: ['city', 'unit'],
  additionalProperties: false,
};
const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_weather', parameters: weatherSchema } }];
const ajv = new Ajv();

test('a forced tool call streams tool_calls deltas whose arguments validate against the schema', async () => {
  const stream = await client.chat.completions.create({
    model: 'instant-model',
    messages: [{ role: 'user', content: 'Weather in Paris?' }],
    tools,
    tool_choice: { type: 'function', function: { name: 'get_weather' } },
    stream: true,
  });
  let name = '';
  let args = '';
  let finish: string | null = null;
  for await (const chunk of stream) {
    const call = chunk.choices[0]?.delta.tool_calls?.[0];
    if (call?.function?.name) name = call.function.name;
    args += call?.function?.arguments ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  expect(name).toBe('get_weather');
  expect(finish).toBe('tool_calls');
  expect(ajv.validate(weatherSchema, JSON.parse(args))).toBe(true);
});

test('tool_choice auto calls a tool on a user turn and answers in text after the tool result', async () => {
  const first = await client.chat.completions.create({ model: 'instant-model', messages: [{ role: 'user', content: 'Weather?' }], tools });
  const call = first.choices[0].message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
  expect(ajv.validate(weatherSchema, JSON.parse(call.function.arguments))).toBe(true);
  const second = await client.chat.completions.create({
    model: 'instant-model',
    tools,
    messages: [
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'tool', tool_call_id: call.id, content: '{"temp": 21}' },
    ],
  });
  expect(second.choices[0].finish_reason).toBe('stop');
  expect(second.choices[0].message.content!.length).toBeGreaterThan(0);
});

test('response_format json_schema yields content that parses and validates', async () => {
  const schema = {
    type: 'object',
    properties: { title: { type: 'string' }, tags: { type: 'array', items: { type: 'string' }, minItems: 1 }, score: { type: 'number', minimum: 0, maximum: 1 } },
    required: ['title', 'tags', 'score'],
  };
  const answer = await client.chat.completions.create({
    model: 'instant-model',
    messages: [{ role: 'user', content: 'Summarise.' }],
    response_format: { type: 'json_schema', json_schema: { name: 'summary', schema } },
  });
  expect(ajv.validate(schema, JSON.parse(answer.choices[0].message.content!))).toBe(true);
  const object = await client.chat.completions.create({ model: 'instant-model', messages: [{ role: 'user', content: 'JSON please' }], response_format: { type: 'json_object' } });
  expect(typeof JSON.parse(object.choices[0].message.content!)).toBe('object');
});

test('JSON mode closes its JSON within max_tokens: 16 seeds at max_tokens 300 (and a tight 12) all parse and finish "stop"', async () => {
  // Answers drawn as chatty draws them (up to 400 tokens), served without delay: a JSON answer cut
  // at the limit would not parse.
  const profile = parseProfile({ kind: 'empirical', model: 'json-model', ttft_ms: { dist: 'constant', value: 0 }, itl_ms: { dist: 'constant', value: 0 }, output_tokens: { dist: 'lognormal', median: 180, sigma: 0.8 } }, 'json');
  const chatty = await startMock({ profiles: [profile] });
  const sdk = new OpenAI({ baseURL: chatty.baseURL, apiKey: 'unused', maxRetries: 0 });
  try {
    const lengths: number[] = [];
    for (const [max_tokens, seeds] of [[300, 16], [12, 4]] as const) {
      for (let seed = 0; seed < seeds; seed++) {
        const response = await sdk.chat.completions.create({ model: 'json-model', messages: [{ role: 'user', content: 'Answer in JSON' }], response_format: { type: 'json_object' }, max_tokens, seed });
        const choice = response.choices[0];
        expect(choice.finish_reason).toBe('stop');
        expect(() => JSON.parse(choice.message.content!)).not.toThrow();
        expect(response.usage!.completion_tokens).toBeLessThanOrEqual(max_tokens);
        lengths.push(response.usage!.completion_tokens);
      }
    }
    // Long answers got shortened to fit rather than all drawn short.
    expect(Math.max(...lengths.slice(0, 16))).toBeGreaterThan(200);
  } finally {
    await chatty.close();
  }
});
