/**
 * The architecture as rules (run by `npm run lint:deps`, part of `npm test`). Dependencies point one
 * way: cli → harness → server entries → server layers → common. docs/DESIGN.md §1 draws it.
 */

// Each harness room and the rooms it may import (besides common/ and the server's entries).
const HARNESS_ROOMS = {
  types: [],
  metrics: ['types'],
  workload: ['types'],
  client: ['types', 'metrics'],
  load: ['types', 'metrics', 'client'],
  telemetry: ['types', 'metrics'],
  report: ['types', 'metrics', 'telemetry'],
  results: ['types', 'metrics', 'telemetry', 'report'],
  simulate: ['types', 'metrics', 'load'],
  compare: ['types', 'metrics', 'results'],
  calibrate: ['types', 'metrics', 'workload', 'results', 'compare', 'simulate'],
  api: Object.keys({ types: 0, metrics: 0, workload: 0, client: 0, load: 0, telemetry: 0, report: 0, results: 0, simulate: 0, compare: 0, calibrate: 0 }),
};

// The server's layers, top to bottom: a layer imports only those below it.
const SERVER_LAYERS = ['http', 'openai', 'engine', 'profiles'];

// What code outside server/ may import of it: its public entries.
const SERVER_ENTRIES = '^server/(index|profiles/index|engine/index)[.]ts$';

const harnessRules = Object.entries(HARNESS_ROOMS).map(([room, allowed]) => ({
  name: `harness-${room}-imports-only-${allowed.join('-') || 'nothing'}`,
  comment: `harness/${room}/ may import only ${allowed.length ? allowed.map((other) => `harness/${other}/`).join(', ') : 'no other harness room'}`,
  severity: 'error',
  from: { path: `^harness/${room}/` },
  to: { path: '^harness/', pathNot: [`^harness/(${[room, ...allowed].join('|')})/`] },
}));

const serverLayerRules = SERVER_LAYERS.map((layer, index) => ({
  name: `server-${layer}-does-not-import-the-layers-above`,
  severity: 'error',
  from: { path: `^server/${layer}/` },
  to: { path: `^server/(${SERVER_LAYERS.slice(0, index + 1).filter((above) => above !== layer).join('|') || '$^'})/` },
}));

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'no module reaches itself through its imports', from: {}, to: { circular: true } },
    {
      name: 'common-is-a-leaf',
      comment: 'common/ (RNG, distributions, text, tokenizer, write stamps, CPU pinning) serves both sides and imports neither',
      severity: 'error',
      from: { path: '^common/' },
      to: { path: '^(server|harness|cli)/|^index[.]ts$' },
    },
    {
      name: 'server-does-not-know-the-harness',
      severity: 'error',
      from: { path: '^server/' },
      to: { path: '^(harness|cli)/|^index[.]ts$' },
    },
    {
      name: 'outside-server-only-its-entries',
      comment: 'the harness and the CLI reach the server through server/index.ts, server/profiles/index.ts and server/engine/index.ts (simulate)',
      severity: 'error',
      from: { path: '^(harness|cli)/' },
      to: { path: '^server/', pathNot: SERVER_ENTRIES },
    },
    {
      name: 'cli-through-the-library',
      comment: 'the CLI parses flags, prints and exits: it calls the harness through harness/index.ts',
      severity: 'error',
      from: { path: '^cli/' },
      to: { path: '^harness/', pathNot: '^harness/index[.]ts$' },
    },
    {
      name: 'harness-does-not-know-the-cli',
      severity: 'error',
      from: { path: '^harness/' },
      to: { path: '^cli/' },
    },
    {
      name: 'sources-use-no-dev-dependency',
      comment: 'what the package ships runs without devDependencies installed',
      severity: 'error',
      from: { path: '^(index[.]ts$|common/|server/|harness/|cli/)' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    ...serverLayerRules,
    ...harnessRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '^(dist|node_modules)/' },
  },
};
