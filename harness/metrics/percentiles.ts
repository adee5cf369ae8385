import type { MetricSummary } from '../types/run';


/** The middle value (the upper of the two for an even count), without interpolation: a value that occurred. */
export function middleValue(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

/** Percentile with linear interpolation between closest ranks (numpy's default, which vLLM uses). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = rankOf(p, sorted.length);
  const low = Math.floor(rank);
  return between(sorted[low], sorted[Math.ceil(rank)], rank - low);
}

/** The fractional rank of percentile p among `count` values (numpy's linear method: rank p/100 × (n − 1)). */
const rankOf = (p: number, count: number): number => (p / 100) * (count - 1);
const between = (low: number, high: number, fraction: number): number => low + (high - low) * fraction;

/**
 * percentile() of values in any order, by selection instead of a full sort (Hoare's quickselect, expected
 * O(n); Hoare 1961, CACM Algorithm 65 "Find"): calibrate's search takes the median of thousands of gaps for
 * each candidate, where sorting them cost 30× more. Reorders `values`.
 */
export function percentileUnsorted(values: Float64Array, p: number): number {
  if (values.length === 0) return NaN;
  const rank = rankOf(p, values.length);
  const low = Math.floor(rank);
  const lowValue = selectInPlace(values, low);
  if (rank === low) return lowValue;
  // After selection everything past `low` is at least values[low]: the next rank is their least.
  let highValue = Infinity;
  for (let i = low + 1; i < values.length; i++) if (values[i] < highValue) highValue = values[i];
  return between(lowValue, highValue, rank - low);
}

/** Moves the k-th smallest value to index k, smaller ones before it and larger ones after, and returns it. */
function selectInPlace(values: Float64Array, k: number): number {
  let left = 0;
  let right = values.length - 1;
  while (left < right) {
    const pivot = values[(left + right) >> 1];
    let i = left;
    let j = right;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const swap = values[i];
        values[i++] = values[j];
        values[j--] = swap;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return values[k];
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
