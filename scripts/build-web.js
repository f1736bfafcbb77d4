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
for (const f of ['index.html', 'style.css']) copyFileSync(join(root, 'web', f), join(out, f));
// The run report's styles, from the module that renders it (compiled just before by tsc): one source for the page and the explorer.
appendFileSync(join(out, 'style.css'), require(join(root, 'dist', 'src', 'accountability', 'report-html.js')).REPORT_CSS);
