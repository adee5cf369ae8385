import type { Rng } from '../random';

type JsonSchema = Record<string, unknown>;
const WORDS = ['alpha', 'river', 'signal', 'harbor', 'maple', 'orbit', 'copper', 'lantern', 'meadow', 'summit', 'quartz', 'willow'];

/**
 * A JSON value valid for `schema` (the subset tool parameters and structured outputs use: object,
 * array, string, number, integer, boolean, null, enum, const, anyOf/oneOf, $ref to $defs, required,
 * min/max bounds). Every declared property is filled, so answers look complete.
 */
export function generateJsonInstance(schema: JsonSchema | undefined, rng: Rng, root: JsonSchema = schema ?? {}, depth = 0): unknown {
  if (!schema || Object.keys(schema).length === 0) return { result: rng.pick(WORDS) };
  if (typeof schema.$ref === 'string') return generateJsonInstance(resolveRef(root, schema.$ref), rng, root, depth + 1);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return rng.pick(schema.enum);
  const variants = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(variants) && variants.length > 0) return generateJsonInstance(variants[0], rng, root, depth + 1);
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
    return generateJsonInstance(Object.assign({}, ...(schema.allOf as JsonSchema[])), rng, root, depth + 1);
  }
  const declared = Array.isArray(schema.type) ? (schema.type.find((type) => type !== 'null') ?? 'null') : schema.type;
  const type = declared ?? (schema.properties ? 'object' : schema.items ? 'array' : 'string');
  switch (type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const value: Record<string, unknown> = {};
      for (const [key, propertySchema] of Object.entries(properties)) {
        value[key] = depth > 8 ? null : generateJsonInstance(propertySchema, rng, root, depth + 1);
      }
      for (const key of (schema.required as string[] | undefined) ?? []) {
        if (!(key in value)) value[key] = rng.pick(WORDS);
      }
      return value;
    }
    case 'array': {
      const minItems = Number(schema.minItems ?? 1);
      const maxItems = Number(schema.maxItems ?? Math.max(minItems, 3));
      const count = depth > 8 ? minItems : rng.int(minItems, Math.max(minItems, Math.min(maxItems, minItems + 2)));
      return Array.from({ length: count }, () => generateJsonInstance((schema.items ?? {}) as JsonSchema, rng, root, depth + 1));
    }
    case 'integer': {
      const min = Math.ceil(Number(schema.minimum ?? (schema.exclusiveMinimum !== undefined ? Number(schema.exclusiveMinimum) + 1 : 0)));
      const max = Math.floor(Number(schema.maximum ?? (schema.exclusiveMaximum !== undefined ? Number(schema.exclusiveMaximum) - 1 : min + 100)));
      return rng.int(min, Math.max(min, max));
    }
    case 'number': {
      const min = Number(schema.minimum ?? schema.exclusiveMinimum ?? 0);
      const max = Number(schema.maximum ?? schema.exclusiveMaximum ?? min + 100);
      return Math.round(rng.uniform(min, max) * 100) / 100 || min;
    }
    case 'boolean':
      return rng.next() < 0.5;
    case 'null':
      return null;
    default: {
      if (schema.format === 'date-time') return '2026-01-01T12:00:00Z';
      if (schema.format === 'date') return '2026-01-01';
      if (schema.format === 'email') return `${rng.pick(WORDS)}@example.com`;
      if (schema.format === 'uri') return `https://example.com/${rng.pick(WORDS)}`;
      const minLength = Number(schema.minLength ?? 0);
      const maxLength = Number(schema.maxLength ?? 64);
      let text = `${rng.pick(WORDS)} ${rng.pick(WORDS)}`;
      while (text.length < minLength) text += ` ${rng.pick(WORDS)}`;
      return text.slice(0, Math.max(minLength, maxLength));
    }
  }
}

function resolveRef(root: JsonSchema, ref: string): JsonSchema {
  if (!ref.startsWith('#/')) return {};
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) node = (node as Record<string, unknown> | undefined)?.[part];
  return (node as JsonSchema) ?? {};
}
