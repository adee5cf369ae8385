import { z } from 'zod';
import type { Rng } from './random';

/**
 * Length and latency distributions, one vocabulary for the whole project: profiles write them as
 * YAML objects (`{dist: lognormal, median: 200, sigma: 0.6}`), the harness's workload specs as
 * compact strings (`lognormal(200,0.6)`); both parse to the same `Distribution`.
 */
export const distributionSchema = z.discriminatedUnion('dist', [
  z.object({ dist: z.literal('constant'), value: z.number().nonnegative() }),
  z.object({ dist: z.literal('normal'), mean: z.number(), sd: z.number().nonnegative() }),
  z.object({ dist: z.literal('lognormal'), median: z.number().positive(), sigma: z.number().nonnegative() }),
  z.object({ dist: z.literal('uniform'), min: z.number(), max: z.number() }),
  z.object({ dist: z.literal('exponential'), mean: z.number().positive() }),
]).refine((distribution) => distribution.dist !== 'uniform' || distribution.min <= distribution.max, { message: 'uniform(min,max) needs min ≤ max' });

export type Distribution = z.infer<typeof distributionSchema>;

const PARAM_NAMES: Record<Distribution['dist'], string[]> = {
  constant: ['value'],
  normal: ['mean', 'sd'],
  lognormal: ['median', 'sigma'],
  uniform: ['min', 'max'],
  exponential: ['mean'],
};

/** Parses `512`, `lognormal(512,0.6)`, `uniform(10,20)`, `normal(100,5)`, `exponential(50)`. */
export function parseDistribution(text: string): Distribution {
  const trimmed = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return { dist: 'constant', value: Number(trimmed) };
  const match = /^([a-z]+)\(([^)]*)\)$/.exec(trimmed);
  if (!match) throw new Error(`cannot parse distribution "${text}" (try 512, lognormal(512,0.6), uniform(a,b), normal(m,sd))`);
  const [, name, args] = match;
  const params = PARAM_NAMES[name as Distribution['dist']];
  if (!params) throw new Error(`unknown distribution "${name}" in "${text}" (known: ${Object.keys(PARAM_NAMES).join(', ')})`);
  const values = args.split(',').map((part) => Number(part.trim()));
  if (values.length !== params.length || values.some((value) => !Number.isFinite(value))) {
    throw new Error(`distribution ${name} takes ${params.length} numbers (${params.join(', ')}), got "${args}"`);
  }
  const candidate: Record<string, unknown> = { dist: name };
  params.forEach((param, index) => (candidate[param] = values[index]));
  const parsed = distributionSchema.safeParse(candidate);
  if (!parsed.success) throw new Error(`distribution "${text}": ${parsed.error.issues.map((issue) => (issue.path.length ? `${issue.path.join('.')} ${issue.message}` : issue.message)).join('; ')}`);
  return parsed.data;
}

export function sampleDistribution(distribution: Distribution, rng: Rng): number {
  switch (distribution.dist) {
    case 'constant':
      return distribution.value;
    case 'normal':
      return rng.normal(distribution.mean, distribution.sd);
    case 'lognormal':
      return rng.lognormal(distribution.median, distribution.sigma);
    case 'uniform':
      return rng.uniform(distribution.min, distribution.max);
    case 'exponential':
      return rng.exponential(1 / distribution.mean);
  }
}

/** A sample rounded to a whole count within [min, max]; used for token lengths. */
export function sampleCount(distribution: Distribution, rng: Rng, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  return Math.min(max, Math.max(min, Math.round(sampleDistribution(distribution, rng))));
}

export function distributionMean(distribution: Distribution): number {
  switch (distribution.dist) {
    case 'constant':
      return distribution.value;
    case 'normal':
    case 'exponential':
      return distribution.mean;
    case 'lognormal':
      return distribution.median * Math.exp((distribution.sigma * distribution.sigma) / 2);
    case 'uniform':
      return (distribution.min + distribution.max) / 2;
  }
}
