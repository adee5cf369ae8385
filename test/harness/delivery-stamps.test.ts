import OpenAI from 'openai';
import { startMock } from '../helpers/mock-server';
import type { RunningServer } from '../../server';
import { StreamClient } from '../../harness/client/stream-client';
import { SyntheticWorkload } from '../../harness/workload/synthetic';

let stamped: RunningServer;
let plain: RunningServer;
beforeAll(async () => {
  [stamped, plain] = await Promise.all([startMock({ profiles: ['constant'], stampWrites: true }), startMock({ profiles: ['constant'] })]);
});
afterAll(() => Promise.all([stamped.close(), plain.close()]));

const workload = new SyntheticWorkload({ prompt: { dist: 'constant', value: 16 }, output: { dist: 'constant', value: 12 }, prefix: 0 }, 1);

/** One streamed request through the harness's client. */
async function measureOne(server: RunningServer) {
  const client = new StreamClient({ baseURL: server.baseURL, model: 'constant-model', api: 'chat', connections: 1, timeout_ms: 30_000, fixOutputLength: true });
  const record = await client.send(workload.request(0), 0, performance.now());
  await client.close();
  expect(record.ok).toBe(true);
  return record;
}

test('against a stamping mock, each request records its send delay and every chunk its delivery time', async () => {
  const record = await measureOne(stamped);
  expect(record.delivery).toBeDefined();
  const { request_ms, chunks_ms } = record.delivery!;
  expect(chunks_ms).toHaveLength(12);
  // Same machine, same clock: positive, and shorter than the request itself (a wrong origin or unit, the
  // bugs stamps can have, is off by far more). Not a timing bar: a CI run just after the 220,000-record
  // memory test read a send delay of 65 ms.
  for (const delay of [request_ms, ...chunks_ms]) {
    expect(delay).toBeGreaterThan(0);
    expect(delay).toBeLessThan(record.e2el_ms!);
  }
  // What the server took is what was measured less what delivery added: its TTFT is at least the profile's.
  expect(record.ttft_ms! - request_ms - chunks_ms[0]).toBeGreaterThanOrEqual(199.5);
});

test('without stamps nothing is recorded, and the openai SDK reads a stamped stream as it reads any other', async () => {
  expect((await measureOne(plain)).delivery).toBeUndefined();

  const texts: string[] = [];
  for (const server of [stamped, plain]) {
    const sdk = new OpenAI({ baseURL: server.baseURL, apiKey: 'unused' });
    const stream = await sdk.chat.completions.create({ model: 'constant-model', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 8, seed: 3, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    texts.push(text);
  }
  expect(texts[0]).toBe(texts[1]);
  expect(texts[0].length).toBeGreaterThan(0);
});
