import type { Metric, MetricValueWithName, Registry } from 'prom-client';

type ExportedValue = MetricValueWithName<string>;

/** What every bound series can do: write its lines of Prometheus' text format. */
interface Series {
  exportValues(name: string): ExportedValue[];
}

/**
 * A Prometheus metric whose label sets are bound once (per model, per finish reason) and then
 * updated with no lookup. prom-client validates and hashes the labels on every `observe`/`inc` and
 * leaves garbage behind; on the mock's per-request and per-token paths that cost about a third of its
 * non-streaming throughput (`npm run bench:server`). These register in a prom-client Registry like
 * any metric, which writes the same exposition text.
 */
abstract class BoundMetric<Label extends string, S extends Series> {
  abstract readonly type: 'histogram' | 'counter';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, S>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly Label[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Metric);
  }

  protected abstract createSeries(labels: Readonly<Record<string, string>>): S;

  /** The series for one label set (created on first use, then the same object every time). */
  labels(labels: Readonly<Record<Label, string>>): S {
    const key = this.labelNames.length === 1 ? labels[this.labelNames[0]] : this.labelNames.map((label) => labels[label]).join('\u0000');
    let series = this.series.get(key);
    if (!series) {
      const bound: Record<string, string> = {};
      for (const label of this.labelNames) {
        if (typeof labels[label] !== 'string') throw new TypeError(`${this.name}: label "${label}" is missing`);
        bound[label] = labels[label];
      }
      series = this.createSeries(bound);
      this.series.set(key, series);
    }
    return series;
  }

  reset(): void {
    this.series.clear();
  }

  /** What prom-client's Registry reads to write the exposition text. */
  async get(): Promise<{ name: string; help: string; type: 'histogram' | 'counter'; aggregator: 'sum'; values: ExportedValue[] }> {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: [...this.series.values()].flatMap((series) => series.exportValues(this.name)),
    };
  }
}

/** One label set of a `BoundHistogram`: observing is a bucket search and three additions. */
export class HistogramSeries implements Series {
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    private readonly labels: Readonly<Record<string, string>>,
    private readonly upperBounds: readonly number[],
  ) {
    this.counts = new Float64Array(upperBounds.length);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.upperBounds;
    let index = 0;
    while (index < bounds.length && value > bounds[index]) index++;
    if (index < bounds.length) this.counts[index]++;
    this.sum += value;
    this.count++;
  }

  /** Cumulative `_bucket` lines (le first, as prom-client writes them), then `_sum` and `_count`. */
  exportValues(name: string): ExportedValue[] {
    const values: ExportedValue[] = [];
    let cumulative = 0;
    this.upperBounds.forEach((bound, index) => {
      cumulative += this.counts[index];
      values.push({ metricName: `${name}_bucket`, labels: { le: bound, ...this.labels }, value: cumulative });
    });
    values.push({ metricName: `${name}_bucket`, labels: { le: '+Inf', ...this.labels }, value: this.count });
    values.push({ metricName: `${name}_sum`, labels: { ...this.labels }, value: this.sum });
    values.push({ metricName: `${name}_count`, labels: { ...this.labels }, value: this.count });
    return values;
  }
}

export class BoundHistogram<Label extends string> extends BoundMetric<Label, HistogramSeries> {
  readonly type = 'histogram';

  constructor(name: string, help: string, private readonly upperBounds: readonly number[], labelNames: readonly Label[], registry: Registry) {
    super(name, help, labelNames, registry);
  }

  protected createSeries(labels: Readonly<Record<string, string>>): HistogramSeries {
    return new HistogramSeries(labels, this.upperBounds);
  }
}

/** One label set of a `BoundCounter`. */
export class CounterSeries implements Series {
  private value = 0;

  constructor(private readonly labels: Readonly<Record<string, string>>) {}

  inc(amount = 1): void {
    if (amount > 0 && Number.isFinite(amount)) this.value += amount;
  }

  exportValues(name: string): ExportedValue[] {
    return [{ metricName: name, labels: { ...this.labels }, value: this.value }];
  }
}

export class BoundCounter<Label extends string> extends BoundMetric<Label, CounterSeries> {
  readonly type = 'counter';

  protected createSeries(labels: Readonly<Record<string, string>>): CounterSeries {
    return new CounterSeries(labels);
  }
}
