import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { README_PATH } from '../scripts/readme-profiles';
import { startMock } from './helpers/mock-server';
import type { RunningServer } from '../server';

const run = promisify(execFile);

/** The README's "From an SDK" examples, each run as written against a real mock (only the port changed). */
const section = readFileSync(README_PATH, 'utf8').split('### From an SDK')[1]?.split('\n## ')[0] ?? '';
const block = (language: string) => new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(section)?.[1] ?? '';

let mock: RunningServer;
beforeAll(async () => {
  mock = await startMock({ profiles: ['constant'] });
});
afterAll(() => mock.close());
const onMock = (code: string) => code.replaceAll('http://127.0.0.1:8000', mock.url);

async function available(command: string, args: string[]): Promise<boolean> {
  try {
    await run(command, args);
    return true;
  } catch {
    return false;
  }
}

test('the README has a Node, a Python and a curl example', () => {
  for (const language of ['ts', 'python', 'bash']) expect(block(language)).toContain('/v1');
});

test('the README Node example streams text from the mock with the openai SDK', async () => {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', onMock(block('ts'))], { cwd: `${__dirname}/..` });
  expect(stdout.trim().split(/\s+/).length).toBeGreaterThan(10);
});

test('the README curl example streams SSE chunks ending in [DONE]', async () => {
  if (!(await available('curl', ['--version']))) return console.warn('curl is not installed: README curl example not run');
  const { stdout } = await run('bash', ['-c', onMock(block('bash'))]);
  expect(stdout).toContain('"object":"chat.completion.chunk"');
  expect(stdout.trim().endsWith('data: [DONE]')).toBe(true);
});

// Python's openai package comes from PyPI, not Debian; .ci/run installs it when PyPI answers.
const python = process.env.TOKENBENCH_PYTHON ?? 'python3';
test('the README Python example answers with text and exact usage through the openai package', async () => {
  if (!(await available(python, ['-c', 'import openai']))) return console.warn(`${python} has no openai package: README Python example not run`);
  const { stdout } = await run(python, ['-c', onMock(block('python'))]);
  expect(stdout).toMatch(/completion_tokens=16\b/);
  expect(stdout).toMatch(/prompt_tokens=8\b/);
});
