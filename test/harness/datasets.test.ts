import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWorkload } from '../../harness/workload';
import { getTokenizer } from '../../common/text/tokenizer';
import { readRun, runCli } from '../helpers/cli';

const SHAREGPT = join(__dirname, '..', '..', 'traces', 'sharegpt_v3_filtered_500_mlenergy.json');
const directory = mkdtempSync(join(tmpdir(), 'tokenbench-datasets-'));
const tokenizer = getTokenizer('o200k_base');

function writeLines(name: string, rows: unknown[]): string {
  const path = join(directory, name);
  writeFileSync(path, rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
  return path;
}

test('ShareGPT: the first human turn is the prompt; rows without a reply take the output option', () => {
  const workload = parseWorkload(`sharegpt:${SHAREGPT};output=77`, 1);
  expect(workload.size).toBe(500);
  const first = workload.request(0);
  expect(first.prompt).toBe('How to stop automatic updates from the WSUS Server to a target machine');
  expect(first.promptTokens).toBe(tokenizer.count(first.prompt));
  expect(first.outputTokens).toBe(77);
});

test('ShareGPT with replies: the reply sets the answer length, as in vLLM', () => {
  const path = join(directory, 'sharegpt.json');
  writeFileSync(path, JSON.stringify([{ conversations: [{ from: 'human', value: 'Name three rivers.' }, { from: 'gpt', value: 'The Nile, the Amazon and the Danube.' }] }, { conversations: [{ from: 'gpt', value: 'orphan' }] }]));
  const workload = parseWorkload(`sharegpt:${path}`, 1);
  expect(workload.size).toBe(1);
  expect(workload.request(0).outputTokens).toBe(tokenizer.count('The Nile, the Amazon and the Danube.'));
});

test('JSONL of prompts or of token lengths: lengths get corpus text of exactly that many tokens', () => {
  const path = writeLines('lengths.jsonl', [{ prompt_tokens: 300, output_tokens: 20 }, { input_length: 50, output_length: 5 }, { prompt: 'Why is the sky blue?', max_tokens: 9 }]);
  const workload = parseWorkload(`jsonl:${path}`, 1);
  expect(workload.size).toBe(3);
  const first = workload.request(0);
  expect(tokenizer.count(first.prompt)).toBe(300);
  expect(first.outputTokens).toBe(20);
  expect(workload.shape(1)).toMatchObject({ promptTokens: 50, outputTokens: 5 });
  expect(workload.request(2)).toMatchObject({ prompt: 'Why is the sky blue?', outputTokens: 9 });
  expect(() => parseWorkload(`jsonl:${writeLines('bad.jsonl', [{ nothing: 1 }])}`, 1)).toThrow(/"prompt".*"prompt_tokens"/);
});

test('OpenAI chat JSONL (bare bodies and Batch API lines) is sent as the conversations it holds', async () => {
  const messages = [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Say something about mountains.' },
  ];
  const path = writeLines('chat.jsonl', [
    { messages, max_tokens: 12 },
    { custom_id: 'r2', method: 'POST', url: '/v1/chat/completions', body: { model: 'x', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello there' }] }], max_completion_tokens: 7 } },
  ]);
  const workload = parseWorkload(`openai-chat:${path}`, 1);
  expect(workload.request(0).messages).toEqual(messages);
  expect(workload.request(1)).toMatchObject({ messages: [{ role: 'user', content: 'Hello there' }], outputTokens: 7 });
  const out = join(directory, 'run');
  const result = await runCli(['run', '--profile', 'instant', '--workload', `openai-chat:${path}`, '--concurrency', '2', '--out', out]);
  expect(result.code).toBe(0);
  const { records } = readRun(out);
  expect(records.map((record: { output_tokens: number }) => record.output_tokens)).toEqual([12, 7]);
  // The server counted the whole conversation with chat framing: the workload's count agrees.
  expect(records[0].prompt_tokens).toBe(workload.shape(0).promptTokens);
});
