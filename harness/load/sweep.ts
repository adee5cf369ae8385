import type { LoadPattern } from '../types/run';


export const DEFAULT_CONCURRENCIES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

/** The loads a sweep tries, lightest first (saturation is judged climbing): the given rates, or concurrencies (doubling from 1 by default). */
export function sweepPatterns(options: { rates?: number[]; concurrencies?: number[]; burstiness?: number }): LoadPattern[] {
  const ascending = (values: number[]) => [...new Set(values)].sort((a, b) => a - b);
  if (options.rates?.length) return ascending(options.rates).map((rate_per_s) => ({ kind: 'open', rate_per_s, burstiness: options.burstiness ?? 1 }));
  return ascending(options.concurrencies?.length ? options.concurrencies : DEFAULT_CONCURRENCIES).map((concurrency) => ({ kind: 'closed', concurrency }));
}
