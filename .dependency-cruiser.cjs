/**
 * The layers of src/, lowest first: a module may import from its own room and from rooms of
 * lower layers, never from a higher layer or from another room of its own layer, and no import
 * cycle is allowed. test/layers.test.ts runs this on every `npm test`; `npm run lint:layers` by hand.
 */
const LAYERS = [
  ['util', 'config'],
  ['domain'],
  ['store'],
  ['ingest', 'analysis', 'synth', 'export'],
  ['targeting'],
  ['accountability'],
  ['jobs'],
  ['api'],
  ['cli'],
];
/** Inside analysis/: the graph kernels, then the signals read from them, then scoring, then the threads; run.ts and evaluate.ts on top. */
const ANALYSIS = [['graph'], ['signals'], ['scoring'], ['threads'], ['(run|evaluate|model-card|data-quality)\\.ts']];

const room = (base, name) => (name === 'config' ? '^src/config\\.ts$' : name.endsWith('.ts') ? `^${base}/${name}$` : `^${base}/${name}/`);

function layerRules(base, layers, label) {
  const rules = [];
  layers.forEach((names, rank) => {
    const above = layers.slice(rank + 1).flat();
    for (const name of names) {
      const peers = names.filter((n) => n !== name);
      const forbidden = [...above, ...peers];
      if (forbidden.length === 0) continue;
      rules.push({
        name: `${label}-${name.replace(/\W+/g, '')}`,
        comment: `${base}/${name} (layer ${rank}) may import only from itself and from lower layers: not from ${forbidden.join(', ')}`,
        severity: 'error',
        from: { path: room(base, name) },
        to: { path: forbidden.map((n) => room(base, n)) },
      });
    }
  });
  return rules;
}

module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'an import cycle', severity: 'error', from: {}, to: { circular: true } },
    ...layerRules('src', LAYERS, 'layer'),
    ...layerRules('src/analysis', ANALYSIS, 'analysis'),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
