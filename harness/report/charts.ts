import { percentile } from '../metrics/percentiles';
import { offeredLoad } from '../types/run';
import type { RequestRecord } from '../types/record';
import type { RunSummary, ServerSample, SweepPoint } from '../types/run';

/** A vega-lite specification. */
export type ChartSpec = Record<string, unknown>;

const WIDTH = 560;
const HEIGHT = 260;
const round = (value: number, digits = 2) => Number(value.toFixed(digits));

/**
 * Renders a vega-lite spec to SVG in Node (no canvas). vega and vega-lite are ESM-only, so they are
 * loaded with a dynamic import from this CommonJS build.
 */
export async function renderSvg(spec: ChartSpec): Promise<string> {
  // One after the other: jest's ESM loader (the library test) fails on two concurrent imports sharing modules.
  const vega = await import('vega');
  const vegaLite = await import('vega-lite');
  const compiled = vegaLite.compile({ $schema: 'https://vega.github.io/schema/vega-lite/v6.json', ...spec } as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Bars spanning [from, to) on x, rising from 0 to `y` (histogram bins, time bins), each described. */
function rangeBars(x: { from: string; to: string; title: string }, y: { field: string; title: string }) {
  return {
    x: { field: x.from, type: 'quantitative', title: x.title },
    x2: { field: x.to },
    y: { field: y.field, type: 'quantitative', title: y.title },
    y2: { datum: 0 },
    description: { field: 'description' },
  };
}

/** Up to `max` evenly spaced elements (charts of thousands of requests stay small). */
function thin<T>(values: T[], max = 300): T[] {
  if (values.length <= max) return values;
  const step = values.length / max;
  return Array.from({ length: max }, (_, index) => values[Math.floor(index * step)]).concat(values[values.length - 1]);
}

export interface LabeledRun {
  label: string;
  records: RequestRecord[];
  summary: RunSummary;
}

/** TTFT CDF, one line per run, with each run's p50/p90/p99 as labeled points. */
export function ttftCdfChart(runs: LabeledRun[]): ChartSpec {
  const curve = runs.flatMap(({ label, records }) => {
    const sorted = records.filter((r) => r.ok && r.ttft_ms !== null).map((r) => r.ttft_ms!).sort((a, b) => a - b);
    return thin(sorted.map((ttft, index) => ({ run: label, ttft_ms: round(ttft), fraction: round((index + 1) / sorted.length, 4) })));
  });
  const marks = runs.flatMap(({ label, summary }) =>
    ([['p50', 0.5, summary.ttft_ms.median], ['p90', 0.9, summary.ttft_ms.p90], ['p99', 0.99, summary.ttft_ms.p99]] as const).map(([name, fraction, value]) => ({
      run: label,
      ttft_ms: round(value),
      fraction,
      description: `${label} ${name} TTFT ${round(value)} ms`,
    })),
  );
  const x = { field: 'ttft_ms', type: 'quantitative', title: 'TTFT (ms)' };
  const y = { field: 'fraction', type: 'quantitative', title: 'fraction of requests', scale: { domain: [0, 1] } };
  const color = { field: 'run', type: 'nominal', title: 'run' };
  return {
    title: 'Time to first token, cumulative distribution',
    width: WIDTH,
    height: HEIGHT,
    layer: [
      { data: { values: curve }, mark: { type: 'line', interpolate: 'step-after' }, encoding: { x, y, color } },
      { data: { values: marks }, mark: { type: 'point', filled: true, size: 60 }, encoding: { x, y, color, description: { field: 'description' } } },
    ],
  };
}

/** Per-token ITL histogram with the median marked. */
export function itlHistogramChart(records: RequestRecord[], summary: RunSummary): ChartSpec {
  const gaps = records.filter((r) => r.ok).flatMap((r) => r.itl_ms);
  const top = gaps.length ? percentile([...gaps].sort((a, b) => a - b), 99.5) : 1;
  const binCount = 40;
  const width = Math.max(top / binCount, 1e-3);
  const counts = new Array<number>(binCount + 1).fill(0);
  for (const gap of gaps) counts[Math.min(binCount, Math.floor(gap / width))]++;
  const bins = counts.map((count, index) => ({
    from_ms: round(index * width, 3),
    to_ms: round((index + 1) * width, 3),
    count,
    description: index === binCount ? `ITL ≥ ${round(index * width, 3)} ms: ${count} tokens` : `ITL ${round(index * width, 3)}–${round((index + 1) * width, 3)} ms: ${count} tokens`,
  }));
  const median = round(summary.itl_ms.median, 3);
  return {
    title: 'Inter-token latency (per token)',
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values: bins },
        mark: 'bar',
        encoding: rangeBars({ from: 'from_ms', to: 'to_ms', title: 'ITL (ms)' }, { field: 'count', title: 'tokens' }),
      },
      {
        data: { values: [{ itl_ms: median, description: `median ITL ${median} ms` }] },
        mark: { type: 'rule', color: 'firebrick', strokeWidth: 2 },
        encoding: { x: { field: 'itl_ms', type: 'quantitative' }, description: { field: 'description' } },
      },
    ],
  };
}

/** When each request's visible tokens arrived, ms after the run's start (first token, then its gaps). */
function tokenArrivals(record: RequestRecord): number[] {
  if (!record.ok || record.ttft_ms === null) return [];
  // The first chunk may carry several tokens (ITL has gaps only for those after it).
  const firstChunkTokens = Math.max(1, record.output_tokens - record.reasoning_tokens - record.itl_ms.length);
  const times = new Array<number>(firstChunkTokens).fill(record.sent_ms + record.ttft_ms);
  let at = times[0];
  for (const gap of record.itl_ms) times.push((at += gap));
  return times;
}

/** Output tokens per second over the run, in 1 s bins; `weight` is how many requests each record stands for (a sample's). */
export function throughputChart(records: RequestRecord[], weight = 1): ChartSpec {
  const perSecond = new Map<number, number>();
  for (const record of records) for (const at of tokenArrivals(record)) perSecond.set(Math.floor(at / 1000), (perSecond.get(Math.floor(at / 1000)) ?? 0) + weight);
  for (const [second, tokens] of perSecond) perSecond.set(second, Math.round(tokens));
  const last = Math.max(0, ...perSecond.keys());
  const values = Array.from({ length: last + 1 }, (_, second) => ({ t_s: second, t_end_s: second + 1, tokens_per_s: perSecond.get(second) ?? 0, description: `second ${second}: ${perSecond.get(second) ?? 0} tokens/s` }));
  return {
    title: 'Output tokens per second',
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: 'bar', opacity: 0.8 },
    encoding: rangeBars({ from: 't_s', to: 't_end_s', title: 'time (s)' }, { field: 'tokens_per_s', title: 'tokens/s' }),
  };
}

/** Requests in flight (sent, not yet finished) over the run, as a step line; `weight` as in throughputChart. */
export function inFlightChart(records: RequestRecord[], weight = 1): ChartSpec {
  const events: Array<[number, number]> = [];
  for (const record of records) {
    events.push([record.sent_ms, 1]);
    events.push([record.sent_ms + (record.e2el_ms ?? record.ttft_ms ?? 0), -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let inFlight = 0;
  const points = events.map(([at, change]) => ({ t_s: round(at / 1000, 3), in_flight: Math.round((inFlight += change) * weight) }));
  const peak = Math.max(0, ...points.map((point) => point.in_flight));
  return {
    title: `Requests in flight (peak ${peak})`,
    width: WIDTH,
    height: HEIGHT,
    data: { values: thin(points, 600) },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: { x: { field: 't_s', type: 'quantitative', title: 'time (s)' }, y: { field: 'in_flight', type: 'quantitative', title: 'requests in flight' } },
  };
}

/** The target's own gauges as scraped from /metrics: running, waiting, and KV usage. */
export function serverSeriesChart(samples: ServerSample[]): ChartSpec {
  const values = samples.flatMap((sample) => [
    { t_s: round(sample.t_ms / 1000, 2), series: 'running', value: sample.running },
    { t_s: round(sample.t_ms / 1000, 2), series: 'waiting', value: sample.waiting },
    { t_s: round(sample.t_ms / 1000, 2), series: 'KV cache usage (%)', value: round(sample.kv_cache_usage * 100, 2) },
  ]);
  return {
    title: "Server's view (scraped /metrics)",
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 't_s', type: 'quantitative', title: 'time (s)' },
      y: { field: 'value', type: 'quantitative', title: 'requests / KV %' },
      color: { field: 'series', type: 'nominal', title: null },
    },
  };
}

/** The latency–throughput curve of a sweep, with the knee marked. */
export function sweepCurveChart(points: readonly SweepPoint[], knee: number | null): ChartSpec {
  const unit = points[0]?.pattern.kind === 'open' ? 'req/s' : 'concurrency';
  const values = points.flatMap((point, index) =>
    (['median', 'p99'] as const).map((stat) => ({
      throughput: round(point.summary.output_throughput, 1),
      ttft_ms: round(stat === 'median' ? point.summary.ttft_ms.median : point.summary.ttft_ms.p99),
      series: `TTFT ${stat}`,
      description: `${unit} ${offeredLoad(point.pattern)}: ${round(point.summary.output_throughput, 1)} tokens/s, TTFT ${stat} ${round(stat === 'median' ? point.summary.ttft_ms.median : point.summary.ttft_ms.p99)} ms${index === knee ? ' (knee)' : ''}`,
    })),
  );
  const kneePoint = knee === null ? undefined : points[knee];
  const x = { field: 'throughput', type: 'quantitative', title: 'output throughput (tokens/s)' };
  const y = { field: 'ttft_ms', type: 'quantitative', title: 'TTFT (ms)', scale: { type: 'log' } };
  return {
    title: 'Latency against throughput',
    width: WIDTH,
    height: HEIGHT,
    layer: [
      { data: { values }, mark: { type: 'line', point: true }, encoding: { x, y, color: { field: 'series', type: 'nominal', title: null }, description: { field: 'description' } } },
      ...(kneePoint
        ? [
            {
              data: { values: [{ throughput: round(kneePoint.summary.output_throughput, 1), ttft_ms: round(kneePoint.summary.ttft_ms.median), label: `knee: ${unit} ${offeredLoad(kneePoint.pattern)}` }] },
              layer: [
                { mark: { type: 'point', shape: 'diamond', size: 160, color: 'firebrick', filled: true }, encoding: { x, y, description: { field: 'label' } } },
                { mark: { type: 'text', dy: -14, color: 'firebrick' }, encoding: { x, y, text: { field: 'label' } } },
              ],
            },
          ]
        : []),
    ],
  };
}

/** Median and p99 of each latency metric, side by side per run (for compare). */
export function compareBarsChart(runs: Array<{ label: string; summary: RunSummary }>): ChartSpec {
  const values = runs.flatMap(({ label, summary }) =>
    (['ttft_ms', 'tpot_ms', 'itl_ms', 'e2el_ms'] as const).map((metric) => ({
      run: label,
      metric: metric.replace('_ms', '').toUpperCase(),
      median_ms: round(summary[metric].median, 3),
      description: `${label} median ${metric.replace('_ms', '').toUpperCase()} ${round(summary[metric].median, 3)} ms`,
    })),
  );
  return {
    title: 'Median latency by run',
    data: { values },
    width: 120,
    height: HEIGHT,
    mark: 'bar',
    encoding: {
      column: { field: 'metric', type: 'nominal', title: null },
      x: { field: 'run', type: 'nominal', title: null, axis: { labelAngle: -30 } },
      y: { field: 'median_ms', type: 'quantitative', title: 'median (ms)' },
      color: { field: 'run', type: 'nominal', legend: null },
      description: { field: 'description' },
    },
    resolve: { scale: { y: 'independent' } },
  };
}
