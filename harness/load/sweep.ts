import type { RunSummary } from '../metrics/summary';
import type { LoadPattern } from './load-pattern';

/** One measured point of a sweep. */
export interface SweepPoint {
  pattern: LoadPattern;
  summary: RunSummary;
  /** The point's own run directory, relative to the sweep's. */
  directory: string;
}

export const DEFAULT_CONCURRENCIES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

/** The loads a sweep tries, in order: the given rates, or concurrencies (doubling from 1 by default). */
export function sweepPatterns(options: { rates?: number[]; concurrencies?: number[]; burstiness?: number }): LoadPattern[] {
  if (options.rates?.length) return options.rates.map((rate_per_s) => ({ kind: 'open', rate_per_s, burstiness: options.burstiness ?? 1 }));
  return (options.concurrencies?.length ? options.concurrencies : DEFAULT_CONCURRENCIES).map((concurrency) => ({ kind: 'closed', concurrency }));
}

/** Offered load as a number (req/s or concurrency), for tables and charts. */
export const offeredLoad = (pattern: LoadPattern): number => (pattern.kind === 'open' ? pattern.rate_per_s : pattern.concurrency);

/**
 * Whether the newest point is past saturation: an open loop whose achieved rate fell below 90% of the
 * offered rate (the queue grows without bound), a closed loop whose output throughput grew by less than
 * 5% over the best so far (more users only wait longer), or either with more than 10% failures.
 */
export function pastSaturation(points: readonly SweepPoint[]): boolean {
  const last = points[points.length - 1];
  if (!last) return false;
  const attempted = last.summary.completed + last.summary.failed;
  if (attempted > 0 && last.summary.failed / attempted > 0.1) return true;
  if (last.pattern.kind === 'open') return last.summary.request_throughput < 0.9 * last.pattern.rate_per_s;
  const earlier = points.slice(0, -1);
  if (earlier.length === 0) return false;
  const best = Math.max(...earlier.map((point) => point.summary.output_throughput));
  return last.summary.output_throughput < 1.05 * best;
}

/** The knee: the point with the highest output throughput before saturation set in. */
export function kneeIndex(points: readonly SweepPoint[]): number {
  let best = 0;
  for (let i = 1; i < points.length; i++) if (points[i].summary.output_throughput > points[best].summary.output_throughput * 1.05) best = i;
  return best;
}
