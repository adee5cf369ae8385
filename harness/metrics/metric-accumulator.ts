import { build, type Histogram } from 'hdr-histogram-js';
import { summarize } from './percentiles';
import type { MetricSummary } from '../types/run';

/**
 * Values kept exactly per metric before the accumulator folds them into a histogram: below it a
 * summary is numpy's (vLLM's) to the bit; above it memory stays flat however long the run.
 */
export const EXACT_VALUES_LIMIT = 1_000_000;

/** Histogram resolution: values in microseconds, 3 significant digits (≤ 0.1% relative error). */
const MICROS_PER_MS = 1000;

/**
 * One metric's values, summarised as vLLM does (mean, population std, interpolated percentiles):
 * exactly while there are at most `exactLimit` values, then from an HDR histogram (mergeable, fixed
 * size) with exact count, mean, std, min and max kept beside it.
 */
export class MetricAccumulator {
  private exact: number[] | undefined = [];
  private histogram: Histogram | undefined;
  private count = 0;
  private mean = 0;
  // Welford's running sum of squared deviations: exact enough for any run length.
  private squaredDeviations = 0;
  private min = Infinity;
  private max = -Infinity;

  constructor(private readonly exactLimit = EXACT_VALUES_LIMIT) {}

  add(value: number): void {
    this.count++;
    const delta = value - this.mean;
    this.mean += delta / this.count;
    this.squaredDeviations += delta * (value - this.mean);
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.exact) {
      this.exact.push(value);
      if (this.exact.length > this.exactLimit) this.foldIntoHistogram();
      return;
    }
    this.histogram!.recordValue(toMicros(value));
  }

  /** Whether percentiles come from the histogram (beyond the exact limit). */
  get approximate(): boolean {
    return this.exact === undefined;
  }

  summary(): MetricSummary {
    if (this.exact) return summarize(this.exact);
    const at = (p: number) => this.histogram!.getValueAtPercentile(p) / MICROS_PER_MS;
    return {
      count: this.count,
      mean: this.mean,
      std: Math.sqrt(this.squaredDeviations / this.count),
      median: at(50),
      p90: at(90),
      p95: at(95),
      p99: at(99),
      min: this.min,
      max: this.max,
    };
  }

  private foldIntoHistogram(): void {
    this.histogram = build({ bitBucketSize: 64, autoResize: true, lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3, useWebAssembly: false });
    for (const value of this.exact!) this.histogram.recordValue(toMicros(value));
    this.exact = undefined;
  }
}

// The histogram holds non-negative integers; a negative lag (clock skew) counts as 0 there, exactly in min and mean.
const toMicros = (value_ms: number): number => Math.max(0, Math.round(value_ms * MICROS_PER_MS));
