import type { z } from 'zod';
import { errors } from '../openai/errors';

/** Validates a JSON body, turning the first schema issue into OpenAI's 400 naming the parameter. */
export function parseBody<Schema extends z.ZodType>(schema: Schema, body: unknown): z.infer<Schema> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw errors.invalidParameter(null, 'The request body must be a JSON object.');
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param = issue.path.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`)).join('') || null;
  throw errors.invalidParameter(param, `Invalid value for '${param ?? 'body'}': ${issue.message}`);
}
