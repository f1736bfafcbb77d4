/** `customs-graph demo`: synthetic data with planted rings, loaded, analysed, and served. */
import type { Command } from 'commander';
import { join } from 'node:path';
import type { Config } from '../../config';
import { openStore, withStore } from '../../store/open';
import { generateSynthetic } from '../../synth/generate';
import type { Logger } from '../../util/logger';
import { positiveInt, untilSignal } from '../options';
import { analyzeCommand, printAnalysis, printRings, ringsCommand } from './analysis';
import { ingestCommand, printIngestReport } from './ingest';
import { apiAuth, apiServer } from './service';

export function registerDemo(program: Command, config: Config, logger: Logger): void {
  program
    .command('demo')
    .description('generate demo data, load it, and show what the store holds')
    .option('--dir <dir>', 'where demo data and the store go', 'demo-data')
    .option('--traders <n>', 'number of traders', positiveInt, 2000)
    .option('--seed <n>', 'random seed', positiveInt, 42)
    .option('--port <n>', 'port to serve the API on', positiveInt, 4000)
    .option('--no-serve', 'stop after the analysis instead of serving the API')
    .action(async (opts) => {
      const dir: string = opts.dir;
      process.stderr.write(`generating synthetic declarations in ${dir}/ ...\n`);
      const synth = await generateSynthetic(dir, { traders: opts.traders, seed: opts.seed });
      const db = join(dir, 'customs-graph.db');
      const report = await ingestCommand([synth.declarationsFile], {
        db, watchlist: synth.watchlistFile, rejects: join(dir, 'rejects.csv'),
      }, config, logger);
      process.stdout.write(`${printIngestReport(report)}\n\n`);
      const summary = await withStore(db, (store) => analyzeCommand(store, { seed: opts.seed, resolution: 1, storePath: db, keepRuns: config.keepRuns, staleMs: config.runStaleMs }));
      process.stdout.write(`${printAnalysis(summary)}\n\ntop candidate rings:\n`);
      process.stdout.write(`${printRings(await withStore(db, (store) => ringsCommand(store, 10)), config.defaultCurrency)}\n\n`);
      process.stdout.write(`${synth.truth.rings.length} fraud rings are planted in this data (ground truth: ${synth.truthFile}).\n`);
      process.stdout.write(`Next: npx customs-graph top --kind trader --db ${db}\n      npx customs-graph evaluate --truth ${synth.truthFile} --db ${db}\n`);
      if (!opts.serve) return;
      const keyFile = join(dir, 'api-keys.json');
      const { createKeyFile, KeyRing } = apiAuth();
      const { startServer } = apiServer();
      const clear = createKeyFile(keyFile);
      const store = openStore(db);
      const stop = untilSignal();
      const server = await startServer({ store, dbPath: db, keys: KeyRing.fromFile(keyFile), config, logger, port: opts.port });
      process.stdout.write(`\nExplorer:    ${server.url.replace(/graphql$/, '')} (sign in with the investigator key)\nGraphQL API: ${server.url}\n` +
        `  investigator key: ${clear.investigator}\n  scorer key:       ${clear.scorer}\n  analyst key:      ${clear.analyst}\n  admin key:        ${clear.admin}\n` +
        `(only their SHA-256 is kept, in ${keyFile}; these keys are shown once)\n` +
        `try: curl -s ${server.url} -H 'content-type: application/json' -H 'authorization: Bearer ${clear.investigator}' ` +
        `-d '{"query":"{ rings(first: 3) { edges { node { rank risk size } } } }"}'\n` +
        'Ctrl-C stops the server.\n');
      await stop;
      await server.close();
      await store.close();
    });
}
