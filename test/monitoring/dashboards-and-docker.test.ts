import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DASHBOARDS, renderDashboard } from '../../dashboards/generate';
import { DATASOURCE } from '../../dashboards/src/common';

const ROOT = join(__dirname, '..', '..');
const DOCKER = join(ROOT, 'docker');
const has = (command: string, args: string[]) => spawnSync(command, args).status === 0;

test.each(Object.entries(DASHBOARDS))('dashboards/%s is what the code in dashboards/src generates (npm run dashboards)', (file, build) => {
  expect(readFileSync(join(ROOT, 'dashboards', file), 'utf8')).toBe(renderDashboard(build));
});

test('every panel reads the provisioned Prometheus datasource', () => {
  const provisioned = parseYaml(readFileSync(join(DOCKER, 'grafana', 'provisioning', 'datasources', 'prometheus.yaml'), 'utf8'));
  expect(provisioned.datasources[0]).toMatchObject({ uid: DATASOURCE.uid, type: 'prometheus' });
  for (const file of Object.keys(DASHBOARDS)) {
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'dashboards', file), 'utf8'));
    expect(dashboard.panels.length).toBeGreaterThan(5);
    for (const panel of dashboard.panels) expect(panel.datasource).toEqual(DATASOURCE);
  }
});

test('the compose file has the mock, Prometheus, Grafana and a harness under a profile, and its files exist', () => {
  const compose = parseYaml(readFileSync(join(DOCKER, 'docker-compose.yml'), 'utf8'));
  expect(Object.keys(compose.services).sort()).toEqual(['grafana', 'harness', 'mock', 'prometheus']);
  expect(compose.services.harness.profiles).toEqual(['bench']);
  expect(compose.services.grafana.environment).toMatchObject({ GF_AUTH_ANONYMOUS_ENABLED: 'true', GF_AUTH_ANONYMOUS_ORG_ROLE: 'Viewer' });
  for (const service of Object.values(compose.services) as Array<{ volumes?: string[] }>) {
    for (const volume of service.volumes ?? []) {
      const source = volume.split(':')[0];
      if (source.startsWith('.')) expect(existsSync(join(DOCKER, source))).toBe(true);
    }
  }
  expect(existsSync(join(DOCKER, compose.services.mock.build.context, compose.services.mock.build.dockerfile))).toBe(true);
});

(has('docker', ['compose', 'version']) ? test : test.skip)('docker compose config accepts the compose file', () => {
  const result = spawnSync('docker', ['compose', '-f', join(DOCKER, 'docker-compose.yml'), 'config', '--quiet'], { encoding: 'utf8' });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
});

(has('promtool', ['--version']) ? test : test.skip)("the compose stack's Prometheus config passes promtool check config", () => {
  const result = spawnSync('promtool', ['check', 'config', join(DOCKER, 'prometheus', 'prometheus.yml')], { encoding: 'utf8' });
  expect(result.stdout + result.stderr).toContain('SUCCESS');
  expect(result.status).toBe(0);
});

test('the image is multi-stage and runs as a non-root user', () => {
  const dockerfile = readFileSync(join(DOCKER, 'Dockerfile'), 'utf8');
  expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
  expect(dockerfile).toMatch(/^USER node$/m);
  expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "bin\/tokenbench\.js"\]$/m);
});
