import OpenAI from 'openai';
import { startMock } from '../helpers/mock-server';
import type { RunningServer } from '../../server';
import { ResponseStore } from '../../server/openai/response-store';

let mock: RunningServer;
let client: OpenAI;
beforeAll(async () => {
  mock = await startMock({ profiles: ['instant'] });
  client = new OpenAI({ baseURL: mock.baseURL, apiKey: 'unused', maxRetries: 0 });
});
afterAll(() => mock.close());

test('previous_response_id puts the earlier turns before the input: usage.input_tokens grows by them, and the id is echoed', async () => {
  const first = await client.responses.create({ model: 'instant-model', input: 'Tell me about rivers.', max_output_tokens: 40 });
  const second = await client.responses.create({ model: 'instant-model', input: 'And lakes?', previous_response_id: first.id, max_output_tokens: 40 });
  const alone = await client.responses.create({ model: 'instant-model', input: 'And lakes?', max_output_tokens: 40 });
  expect(second.previous_response_id).toBe(first.id);
  // Everything the first turn read and wrote is read again by the second.
  expect(second.usage!.input_tokens).toBeGreaterThanOrEqual(alone.usage!.input_tokens + first.usage!.input_tokens + first.usage!.output_tokens - 3);
  // A chain of three keeps growing.
  const third = await client.responses.create({ model: 'instant-model', input: 'And seas?', previous_response_id: second.id, max_output_tokens: 40 });
  expect(third.usage!.input_tokens).toBeGreaterThan(second.usage!.input_tokens + second.usage!.output_tokens);
});

test('a streamed response is stored too, and continues like any other', async () => {
  const stream = client.responses.stream({ model: 'instant-model', input: 'Stream a story.', max_output_tokens: 30 });
  const streamed = await stream.finalResponse();
  expect((await client.responses.retrieve(streamed.id)).output_text).toBe(streamed.output_text);
  const next = await client.responses.create({ model: 'instant-model', input: 'Go on.', previous_response_id: streamed.id, max_output_tokens: 10 });
  expect(next.usage!.input_tokens).toBeGreaterThan(streamed.usage!.output_tokens);
});

test('GET returns the stored response; DELETE removes it, after which GET is a 404 and continuing it a 400', async () => {
  const response = await client.responses.create({ model: 'instant-model', input: 'Remember me.', max_output_tokens: 10 });
  expect(await client.responses.retrieve(response.id)).toEqual(response);
  const deleted = await fetch(`${mock.baseURL}/responses/${response.id}`, { method: 'DELETE' });
  expect(deleted.status).toBe(200);
  expect(await deleted.json()).toEqual({ id: response.id, object: 'response', deleted: true });
  await expect(client.responses.retrieve(response.id)).rejects.toMatchObject({ status: 404, code: 'response_not_found' });
  await expect(client.responses.delete(response.id)).rejects.toMatchObject({ status: 404 });
  await expect(client.responses.create({ model: 'instant-model', input: 'Hi', previous_response_id: response.id })).rejects.toMatchObject({
    status: 400,
    code: 'previous_response_not_found',
    param: 'previous_response_id',
  });
});

test('store: false keeps nothing', async () => {
  const response = await client.responses.create({ model: 'instant-model', input: 'Forget me.', max_output_tokens: 10, store: false });
  await expect(client.responses.retrieve(response.id)).rejects.toMatchObject({ status: 404 });
});

test('the store is bounded: the least recently used response goes first', () => {
  const store = new ResponseStore(2);
  const entry = (id: string) => ({ response: { id }, conversation: [] });
  store.put('a', entry('a'));
  store.put('b', entry('b'));
  expect(store.get('a')).toBeDefined(); // a is now the most recently used
  store.put('c', entry('c'));
  expect([store.get('a'), store.get('b'), store.get('c')].map((stored) => stored?.response.id)).toEqual(['a', undefined, 'c']);
  expect(store.size).toBe(2);
});
