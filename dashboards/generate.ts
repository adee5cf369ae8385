/**
 * npm run dashboards — writes dashboards/*.json from the code in dashboards/src (Grafana Foundation
 * SDK builders). The JSON is committed for Grafana's provisioning; a test fails if it drifts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchmarkRunDashboard } from './src/benchmark-run';
import { mockServerDashboard } from './src/mock-server';
import { realVsModeledDashboard } from './src/real-vs-modeled';

export const DASHBOARDS = {
  'mock-server.json': mockServerDashboard,
  'benchmark-run.json': benchmarkRunDashboard,
  'real-vs-modeled.json': realVsModeledDashboard,
} as const;

export const renderDashboard = (build: () => unknown): string => JSON.stringify(build(), null, 2) + '\n';

if (require.main === module) {
  for (const [file, build] of Object.entries(DASHBOARDS)) writeFileSync(join(__dirname, file), renderDashboard(build));
  process.stdout.write(`wrote ${Object.keys(DASHBOARDS).join(', ')}\n`);
}
