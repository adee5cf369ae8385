import fc from 'fast-check';
import { Agent, request } from 'undici';
import { startMock } from '../helpers/mock-server';
import type { RunningServer } from '../../server';

let mock: RunningServer;
beforeAll(async () => {
  mock = await startMock({ profiles: ['constant', 'instant'] });
});
afterAll(() => mock.close());

async function metricValue(name: string): Promise<number> {
  const text = await (await fetch(`${mock.url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : NaN;
}

test('200 streams aborted mid-way leave no running requests and no timers', async () => {
  const controllers = Array.from({ length: 200 }, () => new AbortController());
  const streams = controllers.map(async (controller) => {
    const response = await fetch(`${mock.baseURL}/chat/completions`, {
      method: 'POST',
      signal: controller.signal,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'constant-model', messages: [{ role: 'user', content: 'go' }], max_tokens: 500, ignore_eos: true, stream: true }),
    });
    const reader = response.body!.getReader();
    let received = 0;
    // Read until the first content token has arrived, then abort.
    while (received < 2) {
      const { done } = await reader.read();
      if (done) break;
      received++;
    }
    controller.abort();
  });
  await Promise.allSettled(streams);
  expect(await metricValue('vllm:num_requests_running')).toBeGreaterThanOrEqual(0);
  for (let attempt = 0; attempt < 50 && mock.clock.pending > 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(await metricValue('vllm:num_requests_running')).toBe(0);
  expect(mock.clock.pending).toBe(0);
});

const endpoints = ['/v1/chat/completions', '/v1/completions', '/v1/responses', '/v1/embeddings'];
const validBodies: Record<string, unknown> = {
  '/v1/chat/completions': { model: 'instant-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3, stream: true },
  '/v1/completions': { model: 'instant-model', prompt: 'hi', max_tokens: 3 },
  '/v1/responses': { model: 'instant-model', input: 'hi', max_output_tokens: 3, stream: true },
  '/v1/embeddings': { model: 'instant-model', input: 'hi', dimensions: 8 },
};

/** Random JSON, random bytes, and valid bodies with one field replaced by a random value. */
const bodyArbitrary = fc.oneof(
  fc.string().map((text) => text),
  fc.json(),
  fc.tuple(fc.constantFrom(...endpoints), fc.string({ minLength: 1, maxLength: 24 }), fc.jsonValue()).map(([endpoint, key, value]) => {
    const base = { ...(validBodies[endpoint] as Record<string, unknown>) };
    const keys = Object.keys(base);
    base[fc.sample(fc.constantFrom(...keys, key), 1)[0]] = value;
    return JSON.stringify(base);
  }),
);

test('10,000 random and mutated requests never crash the server', async () => {
  const dispatcher = new Agent({ connections: 32 });
  let count = 0;
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...endpoints), bodyArbitrary, async (endpoint, body) => {
      count++;
      const response = await request(`${mock.url}${endpoint}`, { method: 'POST', body, headers: { 'content-type': 'application/json' }, dispatcher, headersTimeout: 10_000, bodyTimeout: 10_000 });
      await response.body.text();
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      return response.statusCode < 500;
    }),
    { numRuns: 10_000, seed: 1234 },
  );
  await dispatcher.close();
  expect(count).toBeGreaterThanOrEqual(10_000);
  expect(statuses.get(400)).toBeGreaterThan(100);
  const health = await fetch(`${mock.url}/health`);
  expect(health.status).toBe(200);
}, 180_000);
