import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** A fixtures file of match rules → responses, for deterministic application tests. */
const ruleSchema = z
  .object({
    /** Matches when the latest user message (the completions prompt) contains this text (case-insensitive). */
    contains: z.string().optional(),
    /** Matches when this regular expression (case-insensitive) finds the latest user message. */
    regex: z.string().optional(),
    response: z.string().optional(),
    tool_call: z.object({ name: z.string(), arguments: z.record(z.string(), z.unknown()).optional() }).optional(),
  })
  .refine((rule) => rule.response !== undefined || rule.tool_call !== undefined, 'a rule needs `response` or `tool_call`');

export const fixturesSchema = z.object({ rules: z.array(ruleSchema), default: z.string().optional() });
export type ScriptedRule = z.infer<typeof ruleSchema>;

export class ScriptedResponder {
  private readonly compiled: Array<{ rule: ScriptedRule; regex?: RegExp }>;

  constructor(private readonly fixtures: z.infer<typeof fixturesSchema>) {
    this.compiled = fixtures.rules.map((rule) => ({ rule, regex: rule.regex ? new RegExp(rule.regex, 'i') : undefined }));
  }

  /** Reads a fixtures file; every problem names the file (and the rule). */
  static fromFile(path: string): ScriptedResponder {
    let raw: unknown;
    try {
      raw = parseYaml(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`fixtures file ${path}: ${(error as Error).message}`);
    }
    const parsed = fixturesSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`fixtures file ${path}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`);
    for (const [index, rule] of parsed.data.rules.entries()) {
      if (!rule.regex) continue;
      try {
        new RegExp(rule.regex, 'i');
      } catch (error) {
        throw new Error(`fixtures file ${path}: rules.${index}.regex: ${(error as Error).message}`);
      }
    }
    return new ScriptedResponder(parsed.data);
  }

  /** The first rule that matches the latest user message, or the default response, or undefined (then text is generated). */
  match(prompt: string): { response?: string; tool_call?: ScriptedRule['tool_call'] } | undefined {
    const lower = prompt.toLowerCase();
    for (const { rule, regex } of this.compiled) {
      if ((rule.contains && lower.includes(rule.contains.toLowerCase())) || (regex && regex.test(prompt))) return rule;
    }
    return this.fixtures.default !== undefined ? { response: this.fixtures.default } : undefined;
  }
}
