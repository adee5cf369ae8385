import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { empiricalProfileSchema } from './empirical';

/** Every profile kind; `kind` picks the schema (and, in the engine, the scheduler). */
export const profileSchema = z.discriminatedUnion('kind', [empiricalProfileSchema]);
export type Profile = z.infer<typeof profileSchema> & { name: string };

export const BUILTIN_PROFILE_DIR = join(__dirname, 'builtin');
export const DEFAULT_PROFILE = 'chatty';

export function builtinProfileNames(): string[] {
  const directory = existsSync(BUILTIN_PROFILE_DIR) ? BUILTIN_PROFILE_DIR : join(__dirname, '..', '..', '..', 'server', 'profiles', 'builtin');
  return readdirSync(directory)
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => basename(file, '.yaml'))
    .sort();
}

function builtinPath(name: string): string | undefined {
  // Compiled code runs from dist/, the YAML files stay in the source tree.
  for (const directory of [BUILTIN_PROFILE_DIR, join(__dirname, '..', '..', '..', 'server', 'profiles', 'builtin')]) {
    const path = join(directory, `${name}.yaml`);
    if (existsSync(path)) return path;
  }
  return undefined;
}

/** Parses and validates a profile object; errors name the offending field. */
export function parseProfile(raw: unknown, name: string): Profile {
  const result = profileSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    throw new Error(`invalid profile "${name}": ${issues}`);
  }
  return { ...result.data, name: result.data.name ?? name };
}

/** A profile by built-in name, or from a YAML/JSON file. */
export function loadProfile(nameOrPath: string): Profile {
  const path = existsSync(nameOrPath) && ['.yaml', '.yml', '.json'].includes(extname(nameOrPath)) ? nameOrPath : builtinPath(nameOrPath);
  if (!path) throw new Error(`unknown profile "${nameOrPath}": not a file, and not a built-in (${builtinProfileNames().join(', ')})`);
  const text = readFileSync(path, 'utf8');
  const raw = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
  return parseProfile(raw, basename(path, extname(path)));
}
