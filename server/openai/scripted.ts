import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** A fixtures file of match rules → responses, for deterministic application tests. */
const ruleSchema = z
  .object({
    /** Matches when the prompt contains this text (case-insensitive). */
    contains: z.string().optional(),
    /** Matches when this regular expression finds the prompt. */
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

  static fromFile(path: string): ScriptedResponder {
    return new ScriptedResponder(fixturesSchema.parse(parseYaml(readFileSync(path, 'utf8'))));
  }

  /** The first rule that matches, or the default response, or undefined (then text is generated). */
  match(prompt: string): { response?: string; tool_call?: ScriptedRule['tool_call'] } | undefined {
    const lower = prompt.toLowerCase();
    for (const { rule, regex } of this.compiled) {
      if ((rule.contains && lower.includes(rule.contains.toLowerCase())) || (regex && regex.test(prompt))) return rule;
    }
    return this.fixtures.default !== undefined ? { response: this.fixtures.default } : undefined;
  }
}
