import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSvg, sweepCurveChart } from './charts';
import { renderSweepReport } from './report';
import type { RunInfo, SweepPoint } from '../types/run';

/** A sweep's report.md and its latency–throughput chart. */
export async function writeSweepReport(directory: string, info: RunInfo, points: readonly SweepPoint[], knee: number | null): Promise<void> {
  const charts = points.length > 0 ? [{ file: 'latency-throughput.svg', title: knee === null ? 'Latency against throughput' : 'Latency against throughput, knee marked' }] : [];
  if (charts.length) writeFileSync(join(directory, charts[0].file), await renderSvg(sweepCurveChart(points, knee)));
  writeFileSync(join(directory, 'report.md'), renderSweepReport(info, points, knee, charts));
}
