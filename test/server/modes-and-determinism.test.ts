import OpenAI from 'openai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMock } from '../helpers/mock-server';
import { Rng } from '../../common/random';
import { generateTokenPieces } from '../../common/text/generator';
import { getTokenizer } from '../../common/text/tokenizer';

const ask = (client: OpenAI, content: string, extra: Record<string, unknown> = {}) =>
  client.chat.completions.create({ model: 'instant-model', messages: [{ role: 'user', content }], ...extra } as never) as Promise<OpenAI.ChatCompletion>;

test('echo mode repeats the last user message', async () => {
  const mock = await startMock({ mode: 'echo' });
  try {
    const client = new OpenAI({ baseURL: mock.baseURL, apiKey: 'x', maxRetries: 0 });
    const answer = await ask(client, 'repeat after me, please');
    expect(answer.choices[0].message.content).toBe('repeat after me, please');
    const cut = await ask(client, 'repeat after me, please', { max_tokens: 2 });
    expect(cut.choices[0].finish_reason).toBe('length');
    expect(cut.usage!.completion_tokens).toBe(2);
  } finally {
    await mock.close();
  }
});

test('scripted mode answers from the fixtures file, with tool calls, and generates otherwise', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'tokenbench-fixtures-'));
  const fixtures = join(directory, 'fixtures.yaml');
  writeFileSync(fixtures, ['rules:', '  - contains: refund', '    response: "Refunds take 5 days."', '  - regex: "weather in \\\\w+"', '    tool_call: {name: get_weather, arguments: {city: Paris}}'].join('\n'));
  const mock = await startMock({ fixturesPath: fixtures });
  try {
    const client = new OpenAI({ baseURL: mock.baseURL, apiKey: 'x', maxRetries: 0 });
    expect((await ask(client, 'How do I get a REFUND?')).choices[0].message.content).toBe('Refunds take 5 days.');
    const call = (await ask(client, 'what is the weather in Paris')).choices[0];
    expect(call.finish_reason).toBe('tool_calls');
    expect(JSON.parse((call.message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall).function.arguments)).toEqual({ city: 'Paris' });
    expect((await ask(client, 'something else')).choices[0].message.content!.length).toBeGreaterThan(0);
  } finally {
    await mock.close();
  }
});

test('scripted rules match the latest user message: an anchored regex works, and a system prompt or an earlier turn does not trigger a rule', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'tokenbench-fixtures-'));
  const fixtures = join(directory, 'fixtures.yaml');
  writeFileSync(fixtures, ['rules:', '  - regex: "^hello"', '    response: "Hi there."', '  - contains: refund', '    response: "Refunds take 5 days."', 'default: "I can help with refunds."'].join('\n'));
  const mock = await startMock({ fixturesPath: fixtures });
  try {
    const client = new OpenAI({ baseURL: mock.baseURL, apiKey: 'x', maxRetries: 0 });
    const chat = async (messages: OpenAI.ChatCompletionMessageParam[]) => (await client.chat.completions.create({ model: 'instant-model', messages })).choices[0].message.content;
    // Before: rules saw "system: …\nuser: hello", so ^hello never matched.
    expect(await chat([{ role: 'system', content: 'You are a support agent.' }, { role: 'user', content: 'hello, anyone?' }])).toBe('Hi there.');
    expect(await chat([{ role: 'system', content: 'Never promise a refund.' }, { role: 'user', content: 'what are your hours?' }])).toBe('I can help with refunds.');
    expect(await chat([{ role: 'user', content: 'I want a refund' }, { role: 'assistant', content: 'Refunds take 5 days.' }, { role: 'user', content: 'thanks' }])).toBe('I can help with refunds.');
    expect((await client.completions.create({ model: 'instant-model', prompt: 'hello world', max_tokens: 10 })).choices[0].text).toBe('Hi there.');
  } finally {
    await mock.close();
  }
});

test('the same server seed and prompt give the same answer across servers; another seed differs', async () => {
  const answers: string[] = [];
  for (const seed of [11, 11, 12]) {
    const mock = await startMock({ seed });
    try {
      const client = new OpenAI({ baseURL: mock.baseURL, apiKey: 'x', maxRetries: 0 });
      answers.push((await ask(client, 'Tell me a story')).choices[0].message.content!);
    } finally {
      await mock.close();
    }
  }
  expect(answers[0]).toBe(answers[1]);
  expect(answers[2]).not.toBe(answers[0]);
});

test("token counts are each tokenizer's own, the remembered short ones too", () => {
  const [o200k, cl100k] = [getTokenizer('o200k_base'), getTokenizer('cl100k_base')];
  const long = 'naïve café résumé '.repeat(10);
  for (let round = 0; round < 2; round++) {
    expect([o200k.count('こんにちは世界'), cl100k.count('こんにちは世界')]).toEqual([2, 4]);
    expect([o200k.count('naïve café résumé'), cl100k.count('naïve café résumé')]).toEqual([5, 7]);
    expect([o200k.count(long), cl100k.count(long)]).toEqual([o200k.encode(long).length, cl100k.encode(long).length]);
    expect(o200k.count('')).toBe(0);
  }
});

test('generated text re-tokenizes to exactly the asked number of tokens', () => {
  for (const name of ['o200k_base', 'cl100k_base'] as const) {
    const tokenizer = getTokenizer(name);
    for (let seed = 0; seed < 60; seed++) {
      for (const count of [1, 2, 5, 31, 257]) {
        const pieces = generateTokenPieces(tokenizer, count, new Rng(seed));
        expect(pieces).toHaveLength(count);
        expect(tokenizer.encode(pieces.join(''))).toHaveLength(count);
      }
    }
  }
});
