import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBenchmark, simulate } from '../../harness';
import { runCli } from '../helpers/cli';

/**
 * Every bad input a new user tried (issue 16): each gives a non-zero exit and a message naming the
 * flag or the file, before anything is sent. The runs would otherwise go to an embedded mock, so a
 * case that slipped through would exit 0 (and fail here).
 */
const directory = mkdtempSync(join(tmpdir(), 'tokenbench-bad-input-'));
const file = (name: string, text: string) => {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
};
const brokenYaml = file('broken.yaml', 'kind: empirical\nttft_ms: {dist: constant, value: 1\n');
const badField = file('bad-field.yaml', 'kind: empirical\nmodel: m\nttft_ms: {dist: constant, value: -5}\nitl_ms: {dist: constant, value: 1}\n');
const badJsonl = file('bad.jsonl', '{"prompt": "hello"}\n{"prompt": \n');
const badMooncake = file('bad-mooncake.jsonl', '{"timestamp": 0, "input_length": 10, "output_length": 5}\nnot json\n');
const typoConfig = file('typo.yaml', 'port: 0\napi-key: secret\n');
const badFixtures = file('bad-fixtures.yaml', 'rules:\n  - contains: hello\n');
const out = join(directory, 'never-written');

const cases: Array<[string, string[], RegExp]> = [
  ['--rate 0', ['run', '--rate', '0'], /option '--rate <r>' argument '0' is invalid\. Expected a number above 0/],
  ['--rate abc', ['run', '--rate', 'abc'], /'--rate <r>' argument 'abc' is invalid/],
  ['--concurrency 0', ['run', '--concurrency', '0'], /'--concurrency <n>' argument '0' is invalid\. Expected a whole number from 1 to 100000/],
  ['--concurrency abc', ['run', '--concurrency', 'abc'], /'--concurrency <n>' argument 'abc' is invalid/],
  ['--concurrency 1e9', ['run', '--concurrency', '1e9'], /'--concurrency <n>' argument '1e9' is invalid/],
  ['--requests 0', ['run', '--requests', '0'], /'--requests <n>' argument '0' is invalid\. Expected a whole number at least 1/],
  ['--requests abc', ['run', '--requests', 'abc'], /'--requests <n>' argument 'abc' is invalid/],
  ['--requests 2.5', ['run', '--requests', '2.5'], /'--requests <n>' argument '2.5' is invalid/],
  ['--duration abc', ['run', '--duration', 'abc'], /'--duration <s>' argument 'abc' is invalid/],
  ['--duration -5', ['run', '--duration', '-5'], /'--duration <s>' argument '-5' is invalid/],
  ['--duration 1e12 (beyond a timer)', ['run', '--duration', '1e12'], /'--duration <s>' argument '1e12' is invalid\. Expected a number above 0 and at most 2147483/],
  ['--limit -3', ['run', '--limit', '-3', '--workload', 'burstgpt:traces/BurstGPT_1_first400.csv'], /'--limit <n>' argument '-3' is invalid/],
  ['--speedup 0', ['run', '--speedup', '0'], /'--speedup <x>' argument '0' is invalid/],
  ['--speedup -1', ['simulate', '--speedup', '-1'], /'--speedup <x>' argument '-1' is invalid/],
  ['--timeout -1', ['run', '--timeout', '-1'], /'--timeout <s>' argument '-1' is invalid/],
  ['--timeout 0', ['run', '--timeout', '0'], /'--timeout <s>' argument '0' is invalid/],
  ['--idle-timeout NaN', ['run', '--idle-timeout', 'NaN'], /'--idle-timeout <s>' argument 'NaN' is invalid/],
  ['--drain-timeout -1', ['run', '--drain-timeout', '-1'], /'--drain-timeout <s>' argument '-1' is invalid/],
  ['--warmup -1', ['run', '--warmup', '-1'], /'--warmup <n>' argument '-1' is invalid/],
  ['--seed -1', ['simulate', '--seed', '-1'], /'--seed <n>' argument '-1' is invalid/],
  ['--burstiness 0', ['run', '--rate', '5', '--burstiness', '0'], /'--burstiness <k>' argument '0' is invalid/],
  ['--ramp-up -1', ['run', '--ramp-up', '-1'], /'--ramp-up <s>' argument '-1' is invalid/],
  ['--scrape-interval -1', ['run', '--scrape-interval', '-1'], /'--scrape-interval <s>' argument '-1' is invalid/],
  ['--metrics-port 70000', ['run', '--metrics-port', '70000'], /'--metrics-port <port>' argument '70000' is invalid\. Expected a whole number from 0 to 65535/],
  ['--shards 0', ['run', '--shards', '0'], /'--shards <n>' argument '0' is invalid/],
  ['--target without a scheme', ['run', '--target', 'localhost:8000'], /'--target <url>' argument 'localhost:8000' is invalid\. Expected an http:\/\/ or https:\/\/ URL/],
  ['--target not a URL', ['run', '--target', 'not a url'], /'--target <url>' argument 'not a url' is invalid\. Expected a URL/],
  ['--slo ttft_ms=abc', ['run', '--slo', 'ttft_ms=abc'], /bad --slo part "ttft_ms=abc"/],
  ['--slo ttft_ms=-1', ['run', '--slo', 'ttft_ms=-1'], /bad --slo part "ttft_ms=-1"/],
  ['--min-goodput without --slo', ['run', '--min-goodput', '90%'], /--min-goodput needs --slo/],
  ['--min-goodput abc', ['run', '--slo', 'ttft_ms=100', '--min-goodput', 'abc'], /'--min-goodput <r\|p%>' argument 'abc' is invalid/],
  ['--min-goodput 150%', ['run', '--slo', 'ttft_ms=100', '--min-goodput', '150%'], /at most 100%/],
  ['prefix=abc', ['run', '--workload', 'synthetic:prompt=100,prefix=abc'], /--workload synthetic: prefix=abc: expected a whole number of tokens ≥ 0/],
  ['uniform(300,100)', ['run', '--workload', 'synthetic:prompt=uniform(300,100)'], /--workload synthetic: prompt=uniform\(300,100\): distribution "uniform\(300,100\)": uniform\(min,max\) needs min ≤ max/],
  ['lognormal(-5,0.5)', ['simulate', '--workload', 'synthetic:output=lognormal(-5,0.5)'], /output=lognormal\(-5,0\.5\): distribution "lognormal\(-5,0\.5\)": median/],
  ['an unknown synthetic key', ['run', '--workload', 'synthetic:promt=100'], /unknown key "promt" \(prompt, output, prefix\)/],
  ['a missing dataset file', ['run', '--workload', 'sharegpt:/no/such/file.json'], /--workload sharegpt:\/no\/such\/file\.json: no such file/],
  ['a malformed JSONL dataset', ['run', '--workload', `jsonl:${badJsonl}`], new RegExp(`${badJsonl}:2: not JSON`)],
  ['a malformed Mooncake trace', ['simulate', '--workload', `mooncake:${badMooncake}`], new RegExp(`${badMooncake}:2: not JSON`)],
  ['a missing trace file', ['run', '--workload', 'azure:/no/such/trace.csv'], /--workload azure:\/no\/such\/trace\.csv: no such file/],
  ['a malformed profile file', ['run', '--profile', brokenYaml], new RegExp(`profile file ${brokenYaml}:`)],
  ['a profile with a bad field', ['simulate', '--profile', badField], new RegExp(`${badField}: invalid profile "bad-field": ttft_ms\\.value`)],
  ['a missing profile', ['run', '--profile', join(directory, 'missing.yaml')], /unknown profile ".*missing\.yaml": not a file, and not a built-in/],
  ['sweep --rates 1,abc', ['sweep', '--simulate', '--rates', '1,abc'], /'--rates <list>' argument '1,abc' is invalid\. "abc": Expected a number above 0/],
  ['sweep --concurrencies 0,2', ['sweep', '--simulate', '--concurrencies', '0,2'], /"0": Expected a whole number from 1 to 100000/],
  ['serve --port 70000', ['serve', '--port', '70000'], /'--port <port>' argument '70000' is invalid/],
  ['serve --drain-timeout abc', ['serve', '--drain-timeout', 'abc'], /'--drain-timeout <s>' argument 'abc' is invalid/],
  ['a config key typo', ['serve', '--config', typoConfig], new RegExp(`--config ${typoConfig}: unknown key api-key \\(known: port, host, .*api_key`)],
  ['a malformed config file', ['serve', '--config', brokenYaml], new RegExp(`--config ${brokenYaml}:`)],
  ['scripted mode without --fixtures', ['serve', '--port', '0', '--mode', 'scripted'], /scripted mode answers from rules: give them with --fixtures FILE/],
  ['a fixtures rule without an answer', ['serve', '--port', '0', '--fixtures', badFixtures], new RegExp(`fixtures file ${badFixtures}: rules\\.0: a rule needs \`response\` or \`tool_call\``)],
  ['predict --batch 0', ['predict', '--batch', '0'], /'--batch <n>' argument '0' is invalid/],
  ['predict --gpus abc', ['predict', '--hardware', 'h100-sxm', '--model', 'llama-3.1-8b', '--gpus', 'abc'], /'--gpus <n>' argument 'abc' is invalid/],
];

// Each case is a process of its own that exits at once: they run a few at a time.
test.concurrent.each(cases)('%s: a non-zero exit and a message naming it', async (_name, args, message) => {
  const result = await runCli([...args, ...(['run', 'simulate', 'sweep'].includes(args[0]) ? ['--out', out] : [])]);
  expect(result.stderr).toMatch(message);
  expect(result.code).not.toBe(0);
}, 30_000);

test('a simulated prompt longer than the context window is rejected as serve rejects it (context_length_exceeded)', async () => {
  const run = join(directory, 'too-long');
  const result = await runCli(['simulate', '--profile', 'llama-3.1-8b-h100', '--workload', 'synthetic:prompt=200000,output=10', '--requests', '3', '--out', run]);
  expect(result.stderr).toMatch(/every request failed|context/);
  const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8'));
  expect(summary.errors).toEqual({ 'http_400: context_length_exceeded': 3 });
  expect(summary.error_messages['http_400: context_length_exceeded']).toMatch(/maximum context length is 131072 tokens/);
  expect(result.code).toBe(1);
}, 30_000);

test('predict --batch 1e9 says the engine has fewer seats and less KV cache than the batch assumes', async () => {
  const result = await runCli(['predict', '--profile', 'llama-3.1-8b-h100', '--batch', '1000000000']);
  expect(result.code).toBe(0);
  expect(result.stderr).toMatch(/warning: batch 1000000000 is more than the profile's 256 seats \(max_num_seqs\)/);
  expect(result.stderr).toMatch(/tokens of KV cache, more than the profile's \d+: the engine would preempt or queue/);
}, 30_000);

test('the library applies the same rules: a zero, negative or non-number load option is an error, never a silent default', async () => {
  await expect(runBenchmark({ profile: 'instant', rate: 0 })).rejects.toThrow('rate must be above 0 (requests per second), got 0');
  await expect(simulate({ profile: 'instant', concurrency: Number('abc') })).rejects.toThrow('concurrency must be a whole number ≥ 1, got NaN');
  await expect(simulate({ profile: 'instant', requests: -3 })).rejects.toThrow('requests must be a whole number ≥ 1, got -3');
  await expect(simulate({ profile: 'instant', speedup: 0, workload: 'burstgpt:traces/BurstGPT_1_first400.csv' })).rejects.toThrow('speedup must be above 0, got 0');
});
