import OpenAI from 'openai';
import { startMock } from '../helpers/mock-server';
import type { RunningServer } from '../../server';

// vLLM's /tokenize and /detokenize (served at the root, beside /v1), as llm-d-inference-sim serves them.
let mock: RunningServer;
let client: OpenAI;
beforeAll(async () => {
  mock = await startMock({ profiles: ['instant', 'constant'] });
  client = new OpenAI({ baseURL: mock.baseURL, apiKey: 'unused', maxRetries: 0 });
});
afterAll(() => mock.close());

const post = async (path: string, body: unknown) => {
  const response = await fetch(`${mock.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as any };
};

test('/tokenize counts chat messages exactly as usage.prompt_tokens does (names, tools, images, a response format)', async () => {
  const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }];
  const conversations: OpenAI.ChatCompletionMessageParam[][] = [
    [{ role: 'user', content: 'Hello' }],
    [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', name: 'ada', content: 'Summarise the plot of Hamlet in two sentences, please.' },
      { role: 'assistant', content: 'A prince avenges his father.' },
      { role: 'user', content: [{ type: 'text', text: 'And this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
    ],
  ];
  for (const messages of conversations) {
    for (const extra of [{}, { tools }, { response_format: { type: 'json_object' as const } }]) {
      const completion = await client.chat.completions.create({ model: 'instant-model', messages, max_tokens: 1, ...extra });
      const { status, body } = await post('/tokenize', { model: 'instant-model', messages, ...extra });
      expect(status).toBe(200);
      expect(body.count).toBe(completion.usage!.prompt_tokens);
      expect(body.tokens).toHaveLength(body.count);
      expect(body.max_model_len).toBeGreaterThan(0);
    }
  }
});

test('/tokenize counts a prompt as completions do, and /detokenize gives the text back', async () => {
  const prompt = 'The quick brown fox jumps over the lazy dog, twice: 🦊🦊.';
  const completion = await client.completions.create({ model: 'constant-model', prompt, max_tokens: 1 });
  const { body } = await post('/tokenize', { model: 'constant-model', prompt, return_token_strs: true });
  expect(body.count).toBe(completion.usage!.prompt_tokens);
  expect(body.token_strs).toHaveLength(body.count);
  expect((await post('/detokenize', { model: 'constant-model', tokens: body.tokens })).body).toEqual({ prompt });
});

test('without a model the first served one is used; an unknown model is a 404 and a malformed body a 400', async () => {
  const named = await post('/tokenize', { model: 'instant-model', prompt: 'hi there' });
  expect((await post('/tokenize', { prompt: 'hi there' })).body).toEqual(named.body);
  const unknown = await post('/tokenize', { model: 'nope', prompt: 'x' });
  expect(unknown.status).toBe(404);
  expect(unknown.body.error.code).toBe('model_not_found');
  const malformed = await post('/tokenize', { model: 'instant-model' });
  expect(malformed.status).toBe(400);
  const badIds = await post('/detokenize', { tokens: ['a'] });
  expect(badIds.status).toBe(400);
  expect(badIds.body.error.param).toMatch(/tokens/);
});
