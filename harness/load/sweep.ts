import type { LoadPattern, RunSummary, SweepPoint } from '../types/run';


export const DEFAULT_CONCURRENCIES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

/** The loads a sweep tries, in order: the given rates, or concurrencies (doubling from 1 by default). */
export function sweepPatterns(options: { rates?: number[]; concurrencies?: number[]; burstiness?: number }): LoadPattern[] {
  if (options.rates?.length) return options.rates.map((rate_per_s) => ({ kind: 'open', rate_per_s, burstiness: options.burstiness ?? 1 }));
  return (options.concurrencies?.length ? options.concurrencies : DEFAULT_CONCURRENCIES).map((concurrency) => ({ kind: 'closed', concurrency }));
}


/**
 * Whether point `index` is past saturation: an open loop that achieved under 90% of the offered rate
 * (its queue grows without bound); a closed loop whose output throughput grew by under 5% over the best
 * so far (more users only wait longer), or by under 25% while its median TTFT more than tripled
 * (queueing has set in); either with more than 10% failures.
 */
export function saturatedAt(points: readonly SweepPoint[], index: number): boolean {
  const point = points[index];
  const attempted = point.summary.completed + point.summary.failed;
  if (attempted > 0 && point.summary.failed / attempted > 0.1) return true;
  if (point.pattern.kind === 'open') return point.summary.request_throughput < 0.9 * point.pattern.rate_per_s;
  if (index === 0) return false;
  const best = Math.max(...points.slice(0, index).map((earlier) => earlier.summary.output_throughput));
  const gain = point.summary.output_throughput / best - 1;
  const ttftGrowth = point.summary.ttft_ms.median / points[index - 1].summary.ttft_ms.median;
  return gain < 0.05 || (gain < 0.25 && ttftGrowth > 3);
}

/** Whether the newest point is past saturation (the sweep stops there). */
export const pastSaturation = (points: readonly SweepPoint[]): boolean => points.length > 0 && saturatedAt(points, points.length - 1);

/** The knee: the last point before saturation set in (the highest-throughput point if it never did). */
export function kneeIndex(points: readonly SweepPoint[]): number {
  const first = points.findIndex((_, index) => saturatedAt(points, index));
  if (first > 0) return first - 1;
  let best = 0;
  for (let i = 1; i < points.length; i++) if (points[i].summary.output_throughput > points[best].summary.output_throughput) best = i;
  return best;
}
