import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function findPackageJson(): string {
  for (const up of ['..', join('..', '..')]) {
    try {
      return readFileSync(join(__dirname, up, 'package.json'), 'utf8');
    } catch {
      // try the next level: sources run from cli/, compiled code from dist/cli/
    }
  }
  return '{"version":"0.0.0"}';
}

export const version: string = JSON.parse(findPackageJson()).version;
