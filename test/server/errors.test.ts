import { connect } from 'node:net';
import { once } from 'node:events';
import { gzipSync } from 'node:zlib';
import { startMock } from '../helpers/mock-server';
import type { RunningServer } from '../../server';
import { parseProfile } from '../../server/profiles/registry';

let mock: RunningServer;
let keyed: RunningServer;
let tiny: RunningServer;

beforeAll(async () => {
  mock = await startMock();
  keyed = await startMock({ apiKey: 'sk-secret' });
  tiny = await startMock({
    profiles: [parseProfile({ kind: 'empirical', model: 'tiny', context_length: 64, max_num_seqs: 1, max_waiting: 1, ttft_ms: { dist: 'constant', value: 300 }, itl_ms: { dist: 'constant', value: 1 } }, 'tiny')],
  });
});
afterAll(async () => {
  await Promise.all([mock.close(), keyed.close(), tiny.close()]);
});

async function post(server: RunningServer, path: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.baseURL}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: response.status, headers: response.headers, body: (await response.json()) as { error: Record<string, unknown> } };
}
const chat = (model: string, extra: Record<string, unknown> = {}) => JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }], ...extra });

function expectError(result: { status: number; body: { error: Record<string, unknown> } }, status: number, type: string, code: string | null) {
  expect(result.status).toBe(status);
  expect(result.body.error.type).toBe(type);
  expect(result.body.error.code).toBe(code);
  expect(typeof result.body.error.message).toBe('string');
}

test('malformed JSON is a 400 invalid_json', async () => {
  expectError(await post(mock, '/chat/completions', '{"model": '), 400, 'invalid_request_error', 'invalid_json');
});

test('a known field of the wrong type is a 400 naming the parameter; unknown fields are ignored', async () => {
  const wrong = await post(mock, '/chat/completions', chat('instant-model', { max_tokens: 'ten' }));
  expectError(wrong, 400, 'invalid_request_error', 'invalid_value');
  expect(wrong.body.error.param).toBe('max_tokens');
  expect((await post(mock, '/chat/completions', chat('instant-model', { max_tokens: 2, frobnicate: true }))).status).toBe(200);
});

test('a prompt over the context window is a 400 context_length_exceeded', async () => {
  const long = JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: 'word '.repeat(200) }] });
  expectError(await post(tiny, '/chat/completions', long), 400, 'invalid_request_error', 'context_length_exceeded');
  expectError(await post(mock, '/chat/completions', chat('instant-model', { max_tokens: 10_000_000 })), 400, 'invalid_request_error', 'context_length_exceeded');
});

test('a missing or wrong API key is a 401', async () => {
  expectError(await post(keyed, '/chat/completions', chat('instant-model')), 401, 'invalid_request_error', 'missing_api_key');
  expectError(await post(keyed, '/chat/completions', chat('instant-model'), { authorization: 'Bearer nope' }), 401, 'invalid_request_error', 'invalid_api_key');
  expect((await post(keyed, '/chat/completions', chat('instant-model', { max_tokens: 1 }), { authorization: 'Bearer sk-secret' })).status).toBe(200);
});

test('an unknown model is a 404 model_not_found and an unknown route a 404', async () => {
  expectError(await post(mock, '/chat/completions', chat('gpt-9')), 404, 'invalid_request_error', 'model_not_found');
  const route = await fetch(`${mock.url}/v2/everything`);
  expect(route.status).toBe(404);
  expect(((await route.json()) as { error: { code: string } }).error.code).toBe('unknown_url');
});

test('a body over the limit is a 413', async () => {
  const huge = JSON.stringify({ model: 'instant-model', messages: [{ role: 'user', content: 'x'.repeat(9 * 1024 * 1024) }] });
  expectError(await post(mock, '/chat/completions', huge), 413, 'invalid_request_error', 'request_too_large');
});

test('a gzip-compressed body up to the limit is read, and one that inflates past it is a 413', async () => {
  const small = await fetch(`${mock.baseURL}/chat/completions`, { method: 'POST', body: gzipSync(chat('instant-model', { max_tokens: 3 })), headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
  expect(small.status).toBe(200);
  expect(((await small.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens).toBe(3);
  const bomb = gzipSync(JSON.stringify({ model: 'instant-model', messages: [{ role: 'user', content: 'x'.repeat(9 * 1024 * 1024) }] }));
  expectError(await post(mock, '/chat/completions', bomb as unknown as string, { 'content-encoding': 'gzip' }), 413, 'invalid_request_error', 'request_too_large');
});

test('a body in another charset or an unknown encoding is a 400, and an empty body names the missing model', async () => {
  expectError(await post(mock, '/chat/completions', chat('instant-model'), { 'content-type': 'application/json; charset=latin1' }), 400, 'invalid_request_error', 'invalid_request');
  expectError(await post(mock, '/chat/completions', chat('instant-model'), { 'content-encoding': 'zstd-unknown' }), 400, 'invalid_request_error', 'invalid_request');
  const empty = await post(mock, '/chat/completions', '');
  expectError(empty, 400, 'invalid_request_error', 'invalid_value');
  expect(empty.body.error.param).toBe('model');
});

test('a client that disconnects halfway through its body is answered (and counted) as a 400, and the server carries on', async () => {
  const rejected400 = async () => Number(/tokenbench_requests_rejected_total\{status="400"\} (\d+)/.exec(await (await fetch(`${mock.url}/metrics`)).text())?.[1] ?? 0);
  const before = await rejected400();
  const socket = connect(mock.port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"model": "instant');
  await new Promise((resolve) => setTimeout(resolve, 50));
  socket.destroy();
  for (let i = 0; i < 50 && (await rejected400()) === before; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(await rejected400()).toBe(before + 1);
  expect((await fetch(`${mock.url}/health`)).status).toBe(200);
});

test('generation routes match as express would: a trailing slash, a query string and any case', async () => {
  for (const path of ['/chat/completions/', '/chat/completions?api-version=1', '/Chat/Completions']) {
    const response = await fetch(`${mock.baseURL}${path}`, { method: 'POST', body: chat('instant-model', { max_tokens: 2 }), headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(200);
  }
});

test('a full queue is a 429 with Retry-After', async () => {
  const body = JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 });
  const results = await Promise.all([post(tiny, '/chat/completions', body), post(tiny, '/chat/completions', body), post(tiny, '/chat/completions', body)]);
  const rejected = results.find((result) => result.status === 429)!;
  expectError(rejected, 429, 'rate_limit_error', 'queue_full');
  expect(Number(rejected.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(results.filter((result) => result.status === 200)).toHaveLength(2);
});

test('injected faults answer 429 with rate-limit headers, 500 and 503', async () => {
  const limited = await post(mock, '/chat/completions', chat('instant-model'), { 'x-tokenbench-fault': '429' });
  expectError(limited, 429, 'rate_limit_error', 'rate_limit_exceeded');
  expect(limited.headers.get('retry-after')).toBe('1');
  expect(limited.headers.get('x-ratelimit-remaining-requests')).toBe('0');
  expectError(await post(mock, '/chat/completions', chat('instant-model'), { 'x-tokenbench-fault': '500' }), 500, 'server_error', 'internal_error');
  expectError(await post(mock, '/chat/completions', chat('instant-model'), { 'x-tokenbench-fault': '503' }), 503, 'server_error', 'service_unavailable');
});

test('an injected mid-stream disconnect cuts the stream before [DONE]', async () => {
  const response = await fetch(`${mock.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tokenbench-fault': 'disconnect' },
    body: chat('instant-model', { stream: true, max_tokens: 50, ignore_eos: true }),
  });
  await expect(response.text()).rejects.toThrow();
});
