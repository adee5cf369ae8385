import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '../types/run';

const STATS = ['mean', 'median', 'p90', 'p95', 'p99', 'min', 'max'] as const;
const METRICS = ['ttft_ms', 'tpot_ms', 'itl_ms', 'chunk_gap_ms', 'e2el_ms', 'send_lag_ms'] as const;

/** The report's tables as CSV: summary.csv (figures) and percentiles.csv (one row per metric). */
export function writeSummaryCsv(directory: string, summary: RunSummary): void {
  const figures: Array<[string, number | undefined]> = [
    ['completed', summary.completed],
    ['failed', summary.failed],
    ['duration_s', summary.duration_s],
    ['request_throughput', summary.request_throughput],
    ['output_throughput', summary.output_throughput],
    ['total_token_throughput', summary.total_token_throughput],
    ['goodput', summary.goodput],
    ['slo_attainment', summary.slo_attainment],
  ];
  writeFileSync(join(directory, 'summary.csv'), ['figure,value', ...figures.filter(([, value]) => value !== undefined).map(([name, value]) => `${name},${value}`)].join('\n') + '\n');
  const rows = METRICS.map((metric) => [metric, ...STATS.map((stat) => summary[metric][stat])].join(','));
  writeFileSync(join(directory, 'percentiles.csv'), [['metric', ...STATS].join(','), ...rows].join('\n') + '\n');
}
