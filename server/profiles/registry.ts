import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { empiricalProfileSchema, type EmpiricalProfile } from './empirical';
import { fittedProfileSchema, type FittedProfile } from './fitted';
import { physicsProfileSchema, resolvePhysicsProfile, type PhysicsProfile } from './physics';
import { profileResourceDir } from './resources';

/** Every profile kind; `kind` picks the schema (and, in the engine, the scheduler). */
export const profileSchema = z.discriminatedUnion('kind', [empiricalProfileSchema, physicsProfileSchema, fittedProfileSchema]);
export type Profile = (EmpiricalProfile | PhysicsProfile | FittedProfile) & { name: string };

export const DEFAULT_PROFILE = 'chatty';

const builtinDirectory = (): string => profileResourceDir('builtin');

export function builtinProfileNames(): string[] {
  return readdirSync(builtinDirectory())
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => basename(file, '.yaml'))
    .sort();
}

function builtinPath(name: string): string | undefined {
  const path = join(builtinDirectory(), `${name}.yaml`);
  return existsSync(path) ? path : undefined;
}

/** Parses and validates a profile object; errors name the offending field. */
export function parseProfile(raw: unknown, name: string): Profile {
  const result = profileSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    throw new Error(`invalid profile "${name}": ${issues}`);
  }
  const profileName = result.data.name ?? name;
  if (result.data.kind === 'empirical' || result.data.kind === 'fitted') return { ...result.data, name: profileName };
  return { ...resolvePhysicsProfile(result.data, profileName), name: profileName };
}

/** A profile's unvalidated object and name, by built-in name or from a YAML/JSON file (for composing on top of it). */
export function readProfileSource(nameOrPath: string): { raw: Record<string, unknown>; name: string } {
  const path = existsSync(nameOrPath) && ['.yaml', '.yml', '.json'].includes(extname(nameOrPath)) ? nameOrPath : builtinPath(nameOrPath);
  if (!path) throw new Error(`unknown profile "${nameOrPath}": not a file, and not a built-in (${builtinProfileNames().join(', ')})`);
  const text = readFileSync(path, 'utf8');
  let raw: unknown;
  try {
    raw = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new Error(`profile file ${path}: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`profile file ${path} does not hold an object`);
  return { raw: raw as Record<string, unknown>, name: basename(path, extname(path)) };
}

/** A profile by built-in name, or from a YAML/JSON file. */
export function loadProfile(nameOrPath: string): Profile {
  const { raw, name } = readProfileSource(nameOrPath);
  try {
    return parseProfile(raw, name);
  } catch (error) {
    // A file's problems name the file, not only the profile inside it.
    if (existsSync(nameOrPath) && !builtinPath(nameOrPath)) throw new Error(`${nameOrPath}: ${(error as Error).message}`);
    throw error;
  }
}

export const isPhysicsProfile = (profile: Profile): profile is PhysicsProfile & { name: string } => profile.kind === 'physics';

/** What a profile is, in words for tables and logs: `empirical`, `fitted`, or a physics profile's architecture, hardware class and features. */
export function describeKind(profile: Profile): string {
  if (profile.kind !== 'physics') return profile.kind;
  return [profile.architecture, profile.hardware_class, ...(profile.reasoning ? ['reasoning'] : [])].join(', ');
}
