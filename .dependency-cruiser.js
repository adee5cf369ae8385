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
};
// The public functions may use every room.
HARNESS_ROOMS.api = Object.keys(HARNESS_ROOMS);

// The server's layers, top to bottom: a layer imports only those below it.
const SERVER_LAYERS = ['http', 'openai', 'engine', 'profiles'];

// What code outside server/ may import of it: its public entries.
const SERVER_ENTRIES = '^server/(index|profiles/index|engine/index)[.]ts$';

const harnessRules = () =>
  Object.entries(HARNESS_ROOMS).map(([room, allowed]) =>
    forbid(
      `harness-${room}-imports-only-${allowed.join('-') || 'nothing'}`,
      `harness/${room}/ may import only ${allowed.length ? allowed.map((other) => `harness/${other}/`).join(', ') : 'no other harness room'}`,
      `^harness/${room}/`,
      '^harness/',
      `^harness/(${[room, ...allowed].join('|')})/`,
    ),
  );

const serverLayerRules = () =>
  SERVER_LAYERS.slice(1).map((layer, index) =>
    forbid(`server-${layer}-does-not-import-the-layers-above`, `server/${layer}/ sits below ${SERVER_LAYERS.slice(0, index + 1).join(', ')}`, `^server/${layer}/`, `^server/(${SERVER_LAYERS.slice(0, index + 1).join('|')})/`),
  );

/** A rule that `from` may not import `to` (paths as regular expressions; `allow` excepts some of `to`). */
const forbid = (name, comment, from, to, allow) => ({ name, comment, severity: 'error', from: { path: from }, to: allow ? { path: to, pathNot: allow } : { path: to } });

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'no module reaches itself through its imports', from: {}, to: { circular: true } },
    forbid('common-is-a-leaf', 'common/ (RNG, distributions, text, tokenizer, write stamps, CPU pinning) serves both sides and imports neither', '^common/', '^(server|harness|cli)/|^index[.]ts$'),
    forbid('server-does-not-know-the-harness', 'the mock works without the benchmark', '^server/', '^(harness|cli)/|^index[.]ts$'),
    forbid('outside-server-only-its-entries', 'the harness and the CLI reach the server through server/index.ts, server/profiles/index.ts and server/engine/index.ts (simulate)', '^(harness|cli)/', '^server/', SERVER_ENTRIES),
    forbid('cli-through-the-library', 'the CLI parses flags, prints and exits: it calls the harness through harness/index.ts', '^cli/', '^harness/', '^harness/index[.]ts$'),
    forbid('harness-does-not-know-the-cli', 'the library works without its command line', '^harness/', '^cli/'),
    {
      name: 'sources-use-no-dev-dependency',
      comment: 'what the package ships runs without devDependencies installed',
      severity: 'error',
      from: { path: '^(index[.]ts$|common/|server/|harness/|cli/)' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    ...serverLayerRules(),
    ...harnessRules(),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '^(dist|node_modules)/' },
  },
};
