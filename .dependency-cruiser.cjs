/**
 * Import rules of src/ (`npm run lint` runs them): the rooms are layered, and an import may only
 * go down the list, never up or sideways into a cycle:
 *   config -> common -> database -> observability, auth, docs -> sql, http, idempotency -> health, users, posts
 *   -> the app (src/*.ts, cli/).
 * A lower room never imports a higher one; nothing in src/ imports from test/ or bench/.
 */
const LAYERS = [
  ['config'],
  ['common'],
  ['database'],
  ['observability', 'auth', 'docs'],
  ['sql', 'http', 'idempotency'],
  ['health', 'users', 'posts'],
];

const room = (names) => `^src/(${names.join('|')})/`;
const appLevel = ['^src/[^/]+\\.ts$', '^src/cli/'];

const layerRules = LAYERS.map((names, index) => ({
  name: `layer-${names.join('-')}`,
  comment: `${names.join(', ')} may import only the rooms below them (${LAYERS.slice(0, index).flat().join(', ') || 'none'})`,
  severity: 'error',
  from: { path: room(names) },
  to: { path: [...LAYERS.slice(index + 1).map(room), ...appLevel] },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'An import cycle, between files or between rooms, makes the layering meaningless (type-only imports aside)',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    ...layerRules,
    {
      name: 'no-test-code-in-src',
      comment: 'src/ is what ships: it must not depend on test helpers or the bench',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^dist/|\\.spec\\.ts$)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
