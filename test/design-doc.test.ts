import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
// The workplace's shared folder beside the repository, spelt so that this file does not match itself.
const OUTSIDE = new RegExp(['\\.\\.', 'shared', ''].join('/'));

test('every section of docs/DESIGN.md that the code cites exists, and nothing cites a design document outside the repository', () => {
  const sections = new Set([...readFileSync(join(ROOT, 'docs', 'DESIGN.md'), 'utf8').matchAll(/^## (\d+[a-z]?)\. /gm)].map((match) => match[1]));
  const files = execFileSync('git', ['ls-files', '*.ts', '*.yaml', '*.js'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
  const cited: string[] = [];
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const match of text.matchAll(/DESIGN(?:\.md)? §(\d+[a-z]?)/g)) {
      cited.push(`${file} §${match[1]}`);
      expect(`${file}: §${match[1]} ${sections.has(match[1]) ? 'exists' : 'is missing'}`).toBe(`${file}: §${match[1]} exists`);
      // Each citation names the file it means.
      expect(text.slice(Math.max(0, match.index - 5), match.index)).toBe('docs/');
    }
    expect(`${file}: ${OUTSIDE.test(text) ? 'reads the folder beside the repository' : 'self-contained'}`).toBe(`${file}: self-contained`);
  }
  expect(cited.length).toBeGreaterThan(8);
});
