import OpenAI from 'openai';
import { startMock } from '../helpers/mock-server';
import type { RunningServer } from '../../server';
import { getTokenizer } from '../../common/text/tokenizer';

let mock: RunningServer;
let client: OpenAI;
const tokenizer = getTokenizer('o200k_base');

beforeAll(async () => {
  mock = await startMock({ profiles: ['instant', 'constant'], seed: 7 });
  client = new OpenAI({ baseURL: mock.baseURL, apiKey: 'unused', maxRetries: 0 });
});
afterAll(() => mock.close());

const messages = [
  { role: 'system' as const, content: 'You are terse.' },
  { role: 'user' as const, content: [{ type: 'text' as const, text: 'Tell me about rivers.' }] },
];

describe('chat completions through the official openai SDK', () => {
  test('streamed and whole answers carry the same text for the same seed, with exact usage', async () => {
    const whole = await client.chat.completions.create({ model: 'instant-model', messages, seed: 42, max_tokens: 40 });
    const stream = await client.chat.completions.create({ model: 'instant-model', messages, seed: 42, max_tokens: 40, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    let sawRole = false;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices) {
        if (choice.delta.role === 'assistant') sawRole = true;
        text += choice.delta.content ?? '';
        finish = choice.finish_reason ?? finish;
      }
    }
    expect(sawRole).toBe(true);
    expect(text).toBe(whole.choices[0].message.content);
    expect(finish).toBe(whole.choices[0].finish_reason);
    expect(usage).toEqual(whole.usage);
    expect(whole.usage!.completion_tokens).toBe(tokenizer.count(text));
    // 3 priming + per message (3 + role + content)
    const expectedPrompt = 3 + (3 + 1 + tokenizer.count('You are terse.')) + (3 + 1 + tokenizer.count('Tell me about rivers.'));
    expect(whole.usage!.prompt_tokens).toBe(expectedPrompt);
  });

  test('hitting max_tokens ends with "length"; a natural end with "stop"', async () => {
    const limited = await client.chat.completions.create({ model: 'instant-model', messages, max_tokens: 3, ignore_eos: true } as never);
    expect(limited.choices[0].finish_reason).toBe('length');
    expect(limited.usage!.completion_tokens).toBe(3);
    const natural = await client.chat.completions.create({ model: 'instant-model', messages, seed: 3 });
    expect(natural.choices[0].finish_reason).toBe('stop');
    expect(natural.usage!.completion_tokens).toBe(tokenizer.count(natural.choices[0].message.content!));
  });

  test('ignore_eos with max_tokens returns exactly the asked length; min_tokens sets a floor', async () => {
    for (const n of [1, 17, 256]) {
      const answer = await client.chat.completions.create({ model: 'instant-model', messages, max_tokens: n, ignore_eos: true } as never);
      expect(answer.usage!.completion_tokens).toBe(n);
    }
    const floor = await client.chat.completions.create({ model: 'instant-model', messages, min_tokens: 500, seed: 1 } as never);
    expect(floor.usage!.completion_tokens).toBeGreaterThanOrEqual(500);
  });

  test('n returns that many choices and stop sequences cut the text', async () => {
    const many = await client.chat.completions.create({ model: 'instant-model', messages, n: 3, max_tokens: 10 });
    expect(many.choices.map((choice) => choice.index)).toEqual([0, 1, 2]);
    const stopped = await client.chat.completions.create({ model: 'instant-model', messages, seed: 42, max_tokens: 200, ignore_eos: true, stop: [' the'] } as never);
    expect(stopped.choices[0].message.content).not.toContain(' the');
    expect(stopped.choices[0].finish_reason).toBe('stop');
    expect(stopped.usage!.completion_tokens).toBe(tokenizer.count(stopped.choices[0].message.content!));
  });

  test('logprobs come back per token', async () => {
    const answer = await client.chat.completions.create({ model: 'instant-model', messages, max_tokens: 5, ignore_eos: true, logprobs: true, top_logprobs: 2 } as never);
    const content = answer.choices[0].logprobs!.content!;
    expect(content).toHaveLength(5);
    expect(content.map((entry) => entry.token).join('')).toBe(answer.choices[0].message.content);
    expect(content[0].top_logprobs).toHaveLength(2);
  });

  test('the constant profile paces tokens: 200 ms to the first, 20 ms between', async () => {
    const started = performance.now();
    const stream = await client.chat.completions.create({ model: 'constant-model', messages, max_tokens: 6, ignore_eos: true, stream: true } as never);
    const arrivals: number[] = [];
    for await (const chunk of stream as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>) {
      if (chunk.choices[0]?.delta.content) arrivals.push(performance.now() - started);
    }
    expect(arrivals).toHaveLength(6);
    // Token k is due 200 + 20k ms after the request (the schedule is kept from the arrival, so a token
    // that a busy loop delivers late does not push the next ones back): none may come early.
    arrivals.forEach((arrival_ms, k) => expect(arrival_ms).toBeGreaterThanOrEqual(199 + 20 * k));
  });
});

describe('completions and responses through the official openai SDK', () => {
  test('completions stream and non-stream agree, with usage', async () => {
    const whole = await client.completions.create({ model: 'instant-model', prompt: 'Once upon a time', seed: 5, max_tokens: 30 });
    const stream = await client.completions.create({ model: 'instant-model', prompt: 'Once upon a time', seed: 5, max_tokens: 30, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(whole.choices[0].text);
    expect(usage).toEqual(whole.usage);
    expect(whole.usage!.prompt_tokens).toBe(tokenizer.count('Once upon a time'));
    expect(whole.usage!.completion_tokens).toBe(tokenizer.count(text));
  });

  test('the Responses API streams its typed events and the final response', async () => {
    const whole = await client.responses.create({ model: 'instant-model', input: 'Describe a map.', seed: 9, max_output_tokens: 25 } as never);
    const stream = await client.responses.create({ model: 'instant-model', input: 'Describe a map.', seed: 9, max_output_tokens: 25, stream: true } as never);
    const types: string[] = [];
    let text = '';
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream as unknown as AsyncIterable<OpenAI.Responses.ResponseStreamEvent>) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed' || event.type === 'response.incomplete') completed = event.response;
    }
    expect(types[0]).toBe('response.created');
    expect(types).toContain('response.output_text.delta');
    expect(types).toContain('response.output_item.done');
    expect(text).toBe((whole as OpenAI.Responses.Response).output_text);
    expect(completed!.usage!.output_tokens).toBe(tokenizer.count(text));
    const sequence = types.length;
    expect(sequence).toBeGreaterThan(5);
  });

  test('embeddings decode in the SDK (base64 by default) as unit vectors', async () => {
    const result = await client.embeddings.create({ model: 'instant-model', input: ['alpha', 'beta'] });
    expect(result.data).toHaveLength(2);
    const vector = result.data[0].embedding;
    expect(vector).toHaveLength(1536);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 4);
    const again = await client.embeddings.create({ model: 'instant-model', input: 'alpha', encoding_format: 'float', dimensions: 64 });
    expect(again.data[0].embedding).toHaveLength(64);
  });

  test('models are listed and retrievable', async () => {
    const list = await client.models.list();
    expect(list.data.map((model) => model.id).sort()).toEqual(['constant-model', 'instant-model']);
    expect((await client.models.retrieve('constant-model')).id).toBe('constant-model');
  });
});
