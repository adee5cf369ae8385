import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMockProcess } from '../helpers/mock-process';
import { readRun, runCli } from '../helpers/cli';

test('one harness process drives 2,000 concurrent streams (mock in its own process)', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'tokenbench-2000-'));
  const profile = join(directory, 'slow.yaml');
  // Slow tokens keep the mock's own load small: 2,000 streams × 2.5 tokens/s, each open for over 3 s.
  writeFileSync(profile, 'kind: empirical\nmodel: slow-model\nttft_ms: {dist: constant, value: 500}\nitl_ms: {dist: constant, value: 400}\n');
  const mock = await startMockProcess(['--profile', profile]);
  try {
    const out = join(directory, 'run');
    const result = await runCli(['run', '--target', mock.baseURL, '--concurrency', '2000', '--requests', '2000', '--workload', 'synthetic:prompt=16,output=8', '--scrape-interval', '0.5', '--out', out]);
    expect(result.code).toBe(0);
    const { summary } = readRun(out);
    expect(summary.completed).toBe(2000);
    expect(summary.failed).toBe(0);
    // The server saw them all at once.
    expect(summary.server.max_running).toBe(2000);
  } finally {
    await mock.close();
  }
});
