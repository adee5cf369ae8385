import { readFileSync } from 'node:fs';
import { README_PATH, readmeWithProfileTable } from '../scripts/readme-profiles';

test("the README's table of built-in profiles is what the physics predicts today (npm run readme:profiles)", () => {
  const readme = readFileSync(README_PATH, 'utf8');
  expect(readme).toBe(readmeWithProfileTable(readme));
});
