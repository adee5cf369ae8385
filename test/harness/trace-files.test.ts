import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const TRACES = join(__dirname, '..', '..', 'traces');

test('every public trace in traces/ is byte for byte the file its README names (SHA256SUMS), with its licence beside it', () => {
  const sums = readFileSync(join(TRACES, 'SHA256SUMS'), 'utf8').trim().split('\n').map((line) => line.split(/\s+/));
  expect(sums.length).toBe(6);
  for (const [sum, file] of sums) expect(createHash('sha256').update(readFileSync(join(TRACES, file))).digest('hex')).toBe(sum);
  const readme = readFileSync(join(TRACES, 'README.md'), 'utf8');
  for (const licence of ['LICENSE-AzurePublicDataset-CC-BY-4.0.txt', 'LICENSE-BurstGPT-CC-BY-4.0.txt', 'LICENSE-Mooncake-Apache-2.0.txt', 'LICENSE-ml-energy-leaderboard-Apache-2.0.txt']) {
    expect(readme).toContain(licence);
    expect(readFileSync(join(TRACES, licence), 'utf8').length).toBeGreaterThan(1000);
  }
});
