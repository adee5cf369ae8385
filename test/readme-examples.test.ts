import { execFile, spawnSync } from 'node:child_process';
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

/** Whether a tool is here; an example whose tool is missing is reported as skipped, not as passed. */
const has = (command: string, args: string[]) => spawnSync(command, args, { stdio: 'ignore' }).status === 0;

test('the README has a Node, a Python and a curl example', () => {
  for (const language of ['ts', 'python', 'bash']) expect(block(language)).toContain('/v1');
});

test('the README Node example streams text from the mock with the openai SDK', async () => {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', onMock(block('ts'))], { cwd: `${__dirname}/..` });
  expect(stdout.trim().split(/\s+/).length).toBeGreaterThan(10);
});

(has('curl', ['--version']) ? test : test.skip)('the README curl example streams SSE chunks ending in [DONE]', async () => {
  const { stdout } = await run('bash', ['-c', onMock(block('bash'))]);
  expect(stdout).toContain('"object":"chat.completion.chunk"');
  expect(stdout.trim().endsWith('data: [DONE]')).toBe(true);
});

// Python's openai package comes from PyPI (or the machine's pip mirror), not Debian; .ci/run installs it
// into a venv when pip can reach one.
const python = process.env.TOKENBENCH_PYTHON ?? 'python3';
(has(python, ['-c', 'import openai']) ? test : test.skip)('the README Python example answers with text and exact usage through the openai package', async () => {
  const { stdout } = await run(python, ['-c', onMock(block('python'))]);
  expect(stdout).toMatch(/completion_tokens=16\b/);
  expect(stdout).toMatch(/prompt_tokens=8\b/);
});

test("the README's library example runs against the package's main and prints the measured and simulated figures", async () => {
  const library = readFileSync(README_PATH, 'utf8').split('## As a library')[1]?.split('\n## ')[0] ?? '';
  const code = /```js\n([\s\S]*?)```/.exec(library)?.[1] ?? '';
  expect(code).toContain("from 'tokenbench'");
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: `${__dirname}/..` });
  const ttft = Number(/TTFT median ([\d.]+) ms/.exec(stdout)?.[1]);
  expect(ttft).toBeGreaterThanOrEqual(199);
  expect(ttft).toBeLessThan(260);
  expect(stdout).toMatch(/simulated: \d+ tok\/s, TTFT p99 [\d.]+ ms/);
});
