import OpenAI from 'openai';
import { startMockProcess } from '../helpers/mock-process';

/** What `tokenbench serve` does as a process: comma lists of profiles, and a graceful drain on SIGTERM. */
const exitOf = (child: import('node:child_process').ChildProcess) => new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));
const stderrOf = (child: import('node:child_process').ChildProcess) => {
  let text = '';
  child.stderr?.on('data', (data) => (text += data));
  return () => text;
};

test('serve --profile a,b and TOKENBENCH_PROFILE=a,b serve both models, as the README documents', async () => {
  const listed = async (mock: { baseURL: string; close(): Promise<void> }) => {
    try {
      return (await new OpenAI({ baseURL: mock.baseURL, apiKey: 'x', maxRetries: 0 }).models.list()).data.map((model) => model.id).sort();
    } finally {
      await mock.close();
    }
  };
  expect(await listed(await startMockProcess(['--profile', 'instant,constant']))).toEqual(['constant-model', 'instant-model']);
  expect(await listed(await startMockProcess([], { env: { TOKENBENCH_PROFILE: 'constant, instant' } }))).toEqual(['constant-model', 'instant-model']);
}, 30_000);

test('SIGTERM drains: the stream in flight finishes with [DONE], a new request gets 503, then the process exits 0 saying what it did', async () => {
  const mock = await startMockProcess(['--profile', 'constant', '--drain-timeout', '10'], { stderr: 'pipe' });
  const stderr = stderrOf(mock.child);
  const client = new OpenAI({ baseURL: mock.baseURL, apiKey: 'x', maxRetries: 0 });
  // 40 tokens: 200 ms + 39 × 20 ms ≈ 1 s.
  const stream = await client.chat.completions.create({ model: 'constant-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 40, stream: true, ...({ ignore_eos: true } as object) });
  const exited = exitOf(mock.child);
  mock.child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 100));
  const refused = await fetch(`${mock.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'constant-model', messages: [{ role: 'user', content: 'hi' }] }) }).then(
    async (response) => `${response.status} ${JSON.stringify(await response.json())}`,
    (error: Error) => `refused: ${error.message}`,
  );
  // A new connection is refused (the listener is closed); one on a kept-alive connection would get 503.
  expect(refused).toMatch(/^(503 .*shutting down|refused: )/);
  let tokens = 0;
  let finish: string | null = null;
  for await (const chunk of stream) {
    if (chunk.choices[0]?.delta?.content) tokens++;
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  expect(tokens).toBe(40);
  expect(finish).toBe('length');
  expect(await exited).toBe(0);
  expect(stderr()).toMatch(/SIGTERM: no new requests \(503\); letting the streams in flight finish, up to 10 s/);
  expect(stderr()).toMatch(/drained: 1 request\(s\) finished; exiting/);
}, 30_000);

test('a stream longer than --drain-timeout is cut at the timeout, and the log says so', async () => {
  const mock = await startMockProcess(['--profile', 'constant', '--drain-timeout', '0.5'], { stderr: 'pipe' });
  const stderr = stderrOf(mock.child);
  const client = new OpenAI({ baseURL: mock.baseURL, apiKey: 'x', maxRetries: 0 });
  const stream = await client.chat.completions.create({ model: 'constant-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 500, stream: true, ...({ ignore_eos: true } as object) });
  const exited = exitOf(mock.child);
  const started = Date.now();
  mock.child.kill('SIGTERM');
  const read = (async () => {
    for await (const _chunk of stream) void _chunk;
  })();
  await expect(read).rejects.toThrow();
  expect(await exited).toBe(0);
  expect(Date.now() - started).toBeLessThan(5000);
  expect(stderr()).toMatch(/drained: 0 request\(s\) finished, 1 cut at the 0\.5 s drain timeout; exiting/);
}, 30_000);
