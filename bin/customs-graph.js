#!/usr/bin/env node
'use strict';
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
require('../dist/src/cli/main.js').run(process.argv).catch((err) => {
  process.stderr.write(`customs-graph: ${err && err.message ? err.message : err}\n`);
  process.exit(1);
});
