// Bundles the explorer page (web/) with its libraries into dist/web: nothing is loaded from a CDN.
const { buildSync } = require('esbuild');
const { appendFileSync, copyFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const out = join(root, 'dist', 'web');
mkdirSync(out, { recursive: true });
buildSync({
  entryPoints: [join(root, 'web', 'app.ts')],
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome110', 'firefox110'],
  outfile: join(out, 'app.js'),
  logLevel: 'warning',
});
// The GraphQL IDE (GraphiQL) and its editor's workers, for /graphql outside production.
const ide = join(out, 'graphiql');
mkdirSync(ide, { recursive: true });
const browser = { bundle: true, minify: true, platform: 'browser', target: ['chrome110', 'firefox110'], logLevel: 'warning' };
buildSync({
  ...browser, entryPoints: [join(root, 'web', 'graphiql', 'main.ts')], format: 'esm', outfile: join(ide, 'main.js'),
  loader: { '.ttf': 'file' }, define: { 'process.env.NODE_ENV': '"production"' },
});
const workers = {
  'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js',
  'json.worker': 'monaco-editor/esm/vs/language/json/json.worker.js',
  'graphql.worker': 'monaco-graphql/esm/graphql.worker.js',
};
for (const [name, entry] of Object.entries(workers)) {
  buildSync({ ...browser, entryPoints: [require.resolve(entry, { paths: [join(root, 'node_modules', 'graphiql')] })], format: 'iife', outfile: join(ide, `${name}.js`) });
}
copyFileSync(join(root, 'web', 'graphiql', 'index.html'), join(ide, 'index.html'));
for (const f of ['index.html', 'style.css']) copyFileSync(join(root, 'web', f), join(out, f));
// The run report's styles, from the module that renders it (compiled just before by tsc): one source for the page and the explorer.
appendFileSync(join(out, 'style.css'), require(join(root, 'dist', 'src', 'accountability', 'report-html.js')).REPORT_CSS);
