import type { MetricSummary } from '../types/run';


/** The middle value (the upper of the two for an even count), without interpolation: a value that occurred. */
export function middleValue(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

/** Percentile with linear interpolation between closest ranks (numpy's default, which vLLM uses). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

export function summarize(values: number[]): MetricSummary {
  const sorted = Float64Array.from(values).sort();
  const list = Array.from(sorted);
  const sum = list.reduce((total, value) => total + value, 0);
  const mean = list.length ? sum / list.length : NaN;
  // Population standard deviation, as numpy.std (vLLM's std_*_ms).
  const std = list.length ? Math.sqrt(list.reduce((total, value) => total + (value - mean) ** 2, 0) / list.length) : NaN;
  return {
    count: list.length,
    mean,
    std,
    median: percentile(list, 50),
    p90: percentile(list, 90),
    p95: percentile(list, 95),
    p99: percentile(list, 99),
    min: list.length ? list[0] : NaN,
    max: list.length ? list[list.length - 1] : NaN,
  };
}
