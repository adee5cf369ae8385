import type { RequestRecord } from '../types/record';
import type { SweepPoint } from '../types/run';

/** Where a sweep saturates: judged on each point's measurements (sweep, report and CLI share it). */

/** Open-loop points: at least this long a schedule, and this many requests, unless --requests says. */
export const OPEN_POINT_SECONDS = 30;
export const OPEN_POINT_MIN_REQUESTS = 200;

/**
 * An open-loop point's sent and finished rates from its records (SweepPoint's fields): each over its
 * own span, so neither the ramp into steady state nor the drain after the last send bends it.
 */
export function pointRates(records: readonly RequestRecord[], count = records.length): Pick<SweepPoint, 'sent_per_s' | 'finished_per_s' | 'finished'> {
  const ok = records.filter((record) => record.ok && record.e2el_ms !== null);
  if (ok.length < 2) return {};
  // A sample (a long point) stands for all: scale its counts to the run's.
  const scale = count / records.length;
  const span_s = (values: number[]) => (Math.max(...values) - Math.min(...values)) / 1000;
  const sends = span_s(records.map((record) => record.sent_ms));
  const finishes = span_s(ok.map((record) => record.sent_ms + record.e2el_ms!));
  return {
    sent_per_s: sends > 0 ? ((records.length - 1) * scale) / sends : undefined,
    finished_per_s: finishes > 0 ? ((ok.length - 1) * scale) / finishes : undefined,
    finished: Math.round(ok.length * scale),
  };
}

/**
 * Whether point `index` is past saturation: an open loop that finished requests clearly slower than it
 * sent them (under 90% of the sent rate, less a margin for the lightest point's spread of latencies
 * over the span of sends, which shifts finishes against sends: its queue grows without bound); a closed loop whose output throughput grew by under 5% over the best so far
 * (more users only wait longer), or by under 25% while its median TTFT more than tripled (queueing
 * has set in); either with more than 10% failures.
 */
export function saturatedAt(points: readonly SweepPoint[], index: number): boolean {
  const point = points[index];
  const attempted = point.summary.completed + point.summary.failed;
  if (attempted > 0 && point.summary.failed / attempted > 0.1) return true;
  if (point.pattern.kind === 'open') {
    if (point.sent_per_s === undefined || point.finished_per_s === undefined) return point.summary.request_throughput < 0.9 * point.pattern.rate_per_s;
    // Finishes lag sends by each request's latency: their span exceeds the sends' by at most the spread
    // of latencies without queueing, which the lightest point measures (a queue's own growth must count).
    const sendSpan_s = Math.max(1, (point.finished ?? point.summary.completed) - 1) / point.sent_per_s;
    const lightest = points[0].summary.e2el_ms;
    const margin = Math.min(0.5, Math.max(0, lightest.p99 - lightest.min) / 1000 / sendSpan_s);
    return point.finished_per_s < (0.9 - margin) * point.sent_per_s;
  }
  if (index === 0) return false;
  const best = Math.max(...points.slice(0, index).map((earlier) => earlier.summary.output_throughput));
  const gain = point.summary.output_throughput / best - 1;
  const ttftGrowth = point.summary.ttft_ms.median / points[index - 1].summary.ttft_ms.median;
  return gain < 0.05 || (gain < 0.25 && ttftGrowth > 3);
}

/** Whether the newest point is past saturation (the sweep stops there). */
export const pastSaturation = (points: readonly SweepPoint[]): boolean => points.length > 0 && saturatedAt(points, points.length - 1);

/**
 * The knee: the last point before saturation set in; null when no point saturated (the sweep never
 * found the endpoint's limit) or the first one already had.
 */
export function kneeIndex(points: readonly SweepPoint[]): number | null {
  const first = points.findIndex((_, index) => saturatedAt(points, index));
  return first > 0 ? first - 1 : null;
}
