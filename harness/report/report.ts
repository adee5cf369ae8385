import type { summarizeServerSamples } from '../telemetry/server-scrape';
import { clientBoundWarning } from '../telemetry/client-load';
import { saturatedAt } from '../metrics/saturation';
import { offeredLoad } from '../types/run';
import type { MetricSummary, RunInfo, RunSummary, SweepPoint } from '../types/run';

const fmt = (value: number | null | undefined, digits = 2) => (typeof value !== 'number' || !Number.isFinite(value) ? '—' : value.toFixed(digits));

function percentileRow(name: string, metric: MetricSummary): string {
  return `| ${name} | ${fmt(metric.mean)} | ${fmt(metric.median)} | ${fmt(metric.p90)} | ${fmt(metric.p95)} | ${fmt(metric.p99)} | ${fmt(metric.min)} | ${fmt(metric.max)} |`;
}

/** A chart file beside the report. */
export interface ChartLink {
  file: string;
  title: string;
}

type ServerBrief = NonNullable<ReturnType<typeof summarizeServerSamples>>;

/** The summary table printed on stdout. */
export function renderSummaryTable(summary: RunSummary): string {
  const lines = [
    `completed ${summary.completed}, failed ${summary.failed}, ${fmt(summary.duration_s)} s`,
    `request throughput ${fmt(summary.request_throughput)} req/s, output ${fmt(summary.output_throughput, 1)} tok/s, total ${fmt(summary.total_token_throughput, 1)} tok/s`,
    '',
    'metric (ms)      mean    median    p90      p99',
  ];
  for (const [name, metric] of [['TTFT', summary.ttft_ms], ['TPOT', summary.tpot_ms], ['ITL', summary.itl_ms], ['E2EL', summary.e2el_ms]] as const) {
    lines.push(`${name.padEnd(12)} ${fmt(metric.mean).padStart(8)} ${fmt(metric.median).padStart(9)} ${fmt(metric.p90).padStart(8)} ${fmt(metric.p99).padStart(8)}`);
  }
  if (summary.goodput !== undefined) lines.push('', `goodput ${fmt(summary.goodput)} req/s (SLO attainment ${fmt((summary.slo_attainment ?? 0) * 100, 1)}%)`);
  return lines.join('\n') + '\n';
}

/** What was run, as Markdown table rows. */
function settingsTable(info: RunInfo): string[] {
  return [
    '| setting | value |',
    '| --- | --- |',
    `| target | ${info.target} |`,
    `| model | ${info.model} |`,
    ...(info.profile ? [`| profile | ${info.profile} |`] : []),
    `| API | ${info.api} |`,
    `| workload | ${info.workload} |`,
    `| load | ${info.load} |`,
    `| seed | ${info.seed} |`,
    `| tokenbench | ${info.version} |`,
    `| date | ${info.started_at} |`,
    `| machine | ${info.machine} |`,
  ];
}

/** A plain Markdown report: what ran, the summary, a percentile table per metric, errors. */
export function renderReport(info: RunInfo, summary: RunSummary, charts: ChartLink[] = [], server?: ServerBrief): string {
  const errorRows = Object.entries(summary.errors).map(([kind, count]) => `| ${kind} | ${count} | ${(summary.error_messages?.[kind] ?? '—').replace(/\|/g, '\\|')} |`);
  return [
    `# tokenbench run${info.interrupted ? ' (interrupted)' : ''}`,
    '',
    ...settingsTable(info),
    '',
    '## Summary',
    '',
    '| figure | value |',
    '| --- | --- |',
    `| completed requests | ${summary.completed} |`,
    `| failed requests | ${summary.failed} |`,
    `| duration (s) | ${fmt(summary.duration_s)} |`,
    `| request throughput (req/s) | ${fmt(summary.request_throughput)} |`,
    `| output token throughput (tok/s) | ${fmt(summary.output_throughput, 1)} |`,
    `| total token throughput (tok/s) | ${fmt(summary.total_token_throughput, 1)} |`,
    ...(summary.goodput !== undefined ? [`| goodput (req/s) | ${fmt(summary.goodput)} |`, `| SLO attainment | ${fmt((summary.slo_attainment ?? 0) * 100, 1)}% |`] : []),
    '',
    '## Latency percentiles (ms)',
    '',
    '| metric | mean | median | p90 | p95 | p99 | min | max |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    percentileRow('TTFT', summary.ttft_ms),
    percentileRow('TPOT', summary.tpot_ms),
    percentileRow('ITL (per token)', summary.itl_ms),
    percentileRow('chunk gap', summary.chunk_gap_ms),
    percentileRow('E2EL', summary.e2el_ms),
    percentileRow('send lag', summary.send_lag_ms),
    // The coordinated-omission view, when the client was late enough for it to differ.
    ...(summary.ttft_from_scheduled_ms && summary.send_lag_ms.p99 > 1
      ? [percentileRow('TTFT from scheduled send', summary.ttft_from_scheduled_ms), percentileRow('E2EL from scheduled send', summary.e2el_from_scheduled_ms!)]
      : []),
    '',
    ...(summary.percentiles === 'hdr-histogram' ? ['Metrics with over a million values are summarised from HDR histograms (3 significant digits); count, mean, std, min and max are exact.', ''] : []),
    '## Errors',
    '',
    ...(errorRows.length ? ['| kind | count | the target said |', '| --- | --- | --- |', ...errorRows] : ['None.']),
    '',
    ...clientSection(info),
    ...engineSection(summary),
    ...(server
      ? [
          "## The server's view (scraped /metrics)",
          '',
          '| figure | value |',
          '| --- | --- |',
          `| samples | ${server.samples} |`,
          `| peak running | ${server.max_running} |`,
          `| peak waiting | ${server.max_waiting} |`,
          `| peak KV cache usage | ${fmt(server.max_kv_cache_usage * 100, 1)}% |`,
          `| mean KV cache usage | ${fmt(server.mean_kv_cache_usage * 100, 1)}% |`,
          '',
        ]
      : []),
    ...(charts.length ? ['## Charts', '', ...charts.flatMap((chart) => [`![${chart.title}](${chart.file})`, ''])] : []),
  ].join('\n');
}

/** A sweep's report: what ran, then one row per load with the knee marked. */
const saturatedFirst = (points: readonly SweepPoint[]) => saturatedAt(points, 0);

export function renderSweepReport(info: RunInfo, points: readonly SweepPoint[], knee: number | null, charts: ChartLink[] = []): string {
  const open = points[0]?.pattern.kind === 'open';
  const rows = points.map(
    (point, index) =>
      `| ${offeredLoad(point.pattern)}${index === knee ? ' **(knee)**' : ''} | ${fmt(point.summary.request_throughput)} | ${open ? `${fmt(point.sent_per_s)} | ${fmt(point.finished_per_s)} | ` : ''}${fmt(point.summary.output_throughput, 1)} | ${fmt(point.summary.ttft_ms.median)} | ${fmt(point.summary.ttft_ms.p99)} | ${fmt(point.summary.tpot_ms.median)} | ${fmt(point.summary.e2el_ms.p99)} | ${point.summary.failed} | [run](${point.directory}/report.md) |`,
  );
  return [
    `# tokenbench sweep${info.interrupted ? ' (interrupted)' : ''}`,
    '',
    ...settingsTable({ ...info, load: `sweep over ${open ? 'request rates' : 'concurrencies'}` }),
    '',
    '## Latency against throughput',
    '',
    `| ${open ? 'rate (req/s)' : 'concurrency'} | req/s | ${open ? 'sent/s | finished/s | ' : ''}output tok/s | TTFT median (ms) | TTFT p99 (ms) | TPOT median (ms) | E2EL p99 (ms) | failed | run |`,
    `| --- | --- | ${open ? '--- | --- | ' : ''}--- | --- | --- | --- | --- | --- | --- |`,
    ...rows,
    '',
    knee === null
      ? `**No knee**: ${points.length > 0 && saturatedFirst(points) ? 'the lightest load already saturated the endpoint; sweep lower loads' : 'no load saturated the endpoint; sweep higher loads to find its limit'}.`
      : open
        ? 'The knee is the last rate the endpoint kept up with: it finished requests at least 90% as fast as they were sent (less a margin for the spread of latencies), over each rate\'s own span of sends and finishes.'
        : 'The knee is the last load before saturation: more users then added under 5% throughput, or under 25% while the median TTFT tripled.',
    '',
    ...charts.flatMap((chart) => [`![${chart.title}](${chart.file})`, '']),
  ].join('\n');
}

const yesNo = (flag: boolean | undefined) => (flag === undefined ? '—' : flag ? '**yes**' : 'no');

/** The harness's own load (a run), or each shard's with its clock offset (a merged run). */
function clientSection(info: RunInfo): string[] {
  if (info.shards?.length) {
    return [
      '## Shards',
      '',
      'Each shard ran in its own process; its records are shifted by its load\'s start after the earliest shard\'s (clock offset).',
      '',
      '| shard | directory | machine | requests | clock offset (ms) | loop delay p99 (ms) | loop busy | client-bound |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ...info.shards.map(
        (shard) =>
          `| ${shard.shard ? `${shard.shard.index}/${shard.shard.count}` : '—'} | ${shard.directory} | ${shard.machine} | ${shard.requests} | ${fmt(shard.clock_offset_ms, 1)} | ` +
          `${shard.client ? fmt(shard.client.loop_delay_p99_ms) : '—'} | ${shard.client ? `${fmt(shard.client.event_loop_utilization * 100, 0)}%` : '—'} | ${yesNo(shard.client?.client_bound)} |`,
      ),
      '',
    ];
  }
  if (!info.client) return [];
  const client = info.client;
  return [
    "## The harness's own load",
    '',
    ...(client.client_bound ? [`> **${clientBoundWarning(client)}**`, ''] : []),
    '| figure | value |',
    '| --- | --- |',
    `| event-loop delay p50 / p99 / max (ms) | ${fmt(client.loop_delay_p50_ms)} / ${fmt(client.loop_delay_p99_ms)} / ${fmt(client.loop_delay_max_ms)} |`,
    `| event loop busy | ${fmt(client.event_loop_utilization * 100, 1)}% |`,
    `| CPU seconds per second | ${fmt(client.cpu_per_s)} |`,
    `| client-bound | ${yesNo(client.client_bound)} |`,
    '',
  ];
}

/** A simulation's engine-side figures: preemptions, the prefix cache, and the replicas' load balance. */
function engineSection(summary: RunSummary): string[] {
  const engine = summary.engine;
  if (!engine) return [];
  const rate = (value: number | null) => (value === null ? '—' : `${fmt(value * 100, 1)}%`);
  return [
    "## The engine's view (simulation)",
    '',
    '| figure | value |',
    '| --- | --- |',
    `| preemptions | ${engine.preemptions} |`,
    `| prefix cache hit rate (prompt tokens) | ${rate(engine.prefix_cache_hit_rate)} |`,
    '',
    ...(engine.replicas
      ? ['| replica | requests routed | preemptions | prefix cache hit rate |', '| --- | --- | --- | --- |', ...engine.replicas.map((replica, index) => `| ${replica.name ?? index} | ${replica.routed} | ${replica.preemptions} | ${rate(replica.prefix_cache_hit_rate)} |`), '']
      : []),
  ];
}
