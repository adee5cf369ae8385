import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where the profile data files (built-in profiles, catalogs) live. They stay in the source tree;
 * compiled code runs from dist/server/profiles, so look beside this file first, then in the source.
 */
export function profileResourceDir(name: string): string {
  const beside = join(__dirname, name);
  if (existsSync(beside)) return beside;
  return join(__dirname, '..', '..', '..', 'server', 'profiles', name);
}
