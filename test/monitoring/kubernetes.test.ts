import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { runCli } from '../helpers/cli';

// The manifests in kubernetes/, checked against Kubernetes' own API schemas (kubernetes-models, built
// from the Kubernetes OpenAPI spec): types, required fields and enums by its validators, and unknown
// fields (a misspelt readinessProbe, say, which a cluster with strict field validation rejects) by
// TypeScript's excess-property check against the same models' interfaces. No cluster is needed.
const FOLDER = join(__dirname, '..', '..', 'kubernetes');
type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; [field: string]: unknown };
const MODELS: Record<string, { model: { new (data: never): { validate(): void } }; module: string; type: string }> = {
  'apps/v1 Deployment': { model: Deployment as never, module: 'kubernetes-models/apps/v1/Deployment', type: 'IDeployment' },
  'batch/v1 Job': { model: Job as never, module: 'kubernetes-models/batch/v1/Job', type: 'IJob' },
  'v1 Service': { model: Service as never, module: 'kubernetes-models/v1/Service', type: 'IService' },
  'v1 PersistentVolumeClaim': { model: PersistentVolumeClaim as never, module: 'kubernetes-models/v1/PersistentVolumeClaim', type: 'IPersistentVolumeClaim' },
};

const manifests: Array<{ file: string; manifest: Manifest }> = readdirSync(FOLDER)
  .filter((file) => file.endsWith('.yaml'))
  .flatMap((file) => parseAllDocuments(readFileSync(join(FOLDER, file), 'utf8')).map((document) => ({ file, manifest: document.toJS() as Manifest })));
const byKind = (kind: string, name: string) => manifests.find(({ manifest }) => manifest.kind === kind && manifest.metadata.name === name)!.manifest as any;

test('every manifest is a known Kubernetes kind and passes its API schema', () => {
  expect(manifests.length).toBe(5);
  for (const { file, manifest } of manifests) {
    const entry = MODELS[`${manifest.apiVersion} ${manifest.kind}`];
    expect(`${file}: ${manifest.apiVersion} ${manifest.kind} ${entry ? 'known' : 'unknown'}`).toBe(`${file}: ${manifest.apiVersion} ${manifest.kind} known`);
    expect(() => new entry.model(manifest as never).validate()).not.toThrow();
  }
  // The validators do catch what they check.
  const broken = structuredClone(byKind('Deployment', 'tokenbench-mock'));
  broken.spec.template.spec.containers[0].ports[0].containerPort = '8000';
  expect(() => new Deployment(broken).validate()).toThrow(/containerPort must be integer/);
});

test('no manifest has a field the Kubernetes API does not know (strict field validation)', () => {
  const check = (documents: Array<{ manifest: Manifest }>) => {
    const directory = join(__dirname, '..', '..', 'node_modules', '.cache', 'tokenbench-kubernetes');
    mkdirSync(directory, { recursive: true });
    const file = join(directory, 'manifests.ts');
    const used = [...new Set(documents.map(({ manifest }) => `${manifest.apiVersion} ${manifest.kind}`))].map((key) => MODELS[key]);
    writeFileSync(
      file,
      used.map((entry) => `import type { ${entry.type} } from '${entry.module}';`).join('\n') +
        '\n' +
        documents.map(({ manifest }, index) => `export const m${index}: ${MODELS[`${manifest.apiVersion} ${manifest.kind}`].type} = ${JSON.stringify(manifest)};`).join('\n'),
    );
    const program = ts.createProgram([file], { strict: true, noEmit: true, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, target: ts.ScriptTarget.ES2022, skipLibCheck: true, types: [] });
    return ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
  };
  expect(check(manifests)).toEqual([]);
  const misspelt = structuredClone(byKind('Deployment', 'tokenbench-mock'));
  misspelt.spec.template.spec.containers[0].readinesProbe = misspelt.spec.template.spec.containers[0].readinessProbe;
  expect(check([{ manifest: misspelt }]).join('\n')).toMatch(/readinesProbe.*does not exist in type 'IContainer'/);
}, 60_000);

test('the manifests fit together: Service → mock pods, readiness on /health, an Indexed Job of N shards and a merge of the same N', () => {
  const mock = byKind('Deployment', 'tokenbench-mock');
  const service = byKind('Service', 'tokenbench-mock');
  const pod = mock.spec.template;
  expect(pod.metadata.labels).toMatchObject(service.spec.selector);
  expect(mock.spec.selector.matchLabels).toEqual(service.spec.selector);
  expect(pod.spec.containers[0].readinessProbe.httpGet.path).toBe('/health');
  expect(pod.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/path': '/metrics' });

  const harness = byKind('Job', 'tokenbench-harness');
  const shards = harness.spec.completions;
  expect(harness.spec.completionMode).toBe('Indexed');
  expect(harness.spec.parallelism).toBe(shards);
  const command = harness.spec.template.spec.containers[0].args.join(' ');
  expect(command).toContain(`--shards ${shards}`);
  expect(command).toContain(`--target http://${service.metadata.name}:${service.spec.ports[0].port}/v1`);
  expect(command).toContain('/results/shard-$JOB_COMPLETION_INDEX');
  const merge = byKind('Job', 'tokenbench-merge');
  expect(merge.spec.template.spec.containers[0].args).toEqual(['merge', ...Array.from({ length: shards }, (_, index) => `/results/shard-${index}`), '--out', '/results/merged']);
  const claim = byKind('PersistentVolumeClaim', 'tokenbench-results');
  for (const job of [harness, merge]) expect(job.spec.template.spec.volumes[0].persistentVolumeClaim.claimName).toBe(claim.metadata.name);
});

test("the harness Job's tokenbench command is one the CLI accepts", async () => {
  const command = byKind('Job', 'tokenbench-harness').spec.template.spec.containers[0].args[0] as string;
  const flags = [...command.matchAll(/\s(--[a-z-]+)/g)].map((match) => match[1]);
  const help = (await runCli(['run', '--help'])).stdout;
  for (const flag of flags) expect(`${flag}: ${help.includes(flag) ? 'known' : 'unknown'}`).toBe(`${flag}: known`);
});
