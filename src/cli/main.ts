/** The command line: customs-graph ingest | synth | demo | stats. */
import { Command, InvalidArgumentError } from 'commander';
import { join } from 'node:path';
import { loadConfig } from '../config';
import { FatalInputError } from '../ingest/sniff';
import { MappingError } from '../ingest/mapping';
import { generateSynthetic } from '../synth/generate';
import { SqliteGraphStore } from '../store/sqlite/sqlite-store';
import { createLogger } from '../util/logger';
import { createProgress } from '../util/progress';
import { formatNumber, table } from './format';
import { ingestCommand, printIngestReport } from './ingest-command';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative whole number');
  return n;
}

/** Errors a user can fix: one line, exit 1, no stack. */
class UserError extends Error {}

export function buildProgram(): Command {
  const config = loadConfig();
  const logger = createLogger();
  const program = new Command();
  program
    .name('customs-graph')
    .description('Network intelligence for customs risk management')
    .showHelpAfterError();

  program
    .command('ingest')
    .description('load declaration files (CSV or NDJSON) into the graph store')
    .argument('<files...>', 'declaration files')
    .option('--watchlist <file>', 'watchlist CSV (kind,key,reason,source,severity,listed_at)')
    .option('--mapping <file>', 'column mapping JSON for files from another customs system')
    .option('--rejects <file>', 'where rejected rows are written', 'rejects.csv')
    .option('--db <path>', 'SQLite store file', config.dbPath)
    .option('--json', 'print the summary as JSON')
    .action(async (files: string[], opts) => {
      const report = await ingestCommand(files, opts, config, logger);
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${printIngestReport(report)}\n`);
    });

  program
    .command('synth')
    .description('generate synthetic declarations with planted fraud patterns and their ground truth')
    .requiredOption('--out <dir>', 'output folder (declarations.csv, watchlist.csv, truth.json)')
    .option('--traders <n>', 'number of traders', positiveInt, 2000)
    .option('--rings <n>', 'number of planted rings (default: one per 70 traders)', positiveInt)
    .option('--seed <n>', 'random seed', positiveInt, 42)
    .option('--months <n>', 'months of declarations', positiveInt, 12)
    .option('--start <date>', 'first day, YYYY-MM-DD', '2025-01-01')
    .option('--json', 'print the summary as JSON')
    .action(async (opts) => {
      const progress = createProgress('synth', !opts.json && process.stderr.isTTY === true);
      const r = await generateSynthetic(opts.out, {
        traders: opts.traders, rings: opts.rings ?? 0, seed: opts.seed, months: opts.months, start: opts.start,
      }, (done, total) => progress.update(done, total, `${formatNumber(done)} traders`));
      progress.stop();
      const c = r.truth.counts;
      process.stdout.write(opts.json ? `${JSON.stringify({ ...r, truth: undefined, counts: c }, null, 2)}\n`
        : `${formatNumber(c.rows)} declaration items (${formatNumber(c.declarations)} declarations) from ${formatNumber(c.traders)} traders, ` +
          `${r.truth.rings.length} planted rings (${c.ringMembers} members), ${c.seizures} seizures\n` +
          `written: ${r.declarationsFile}, ${r.watchlistFile}, ${r.truthFile}\n`);
    });

  program
    .command('stats')
    .description('counts of what the store holds')
    .option('--db <path>', 'SQLite store file', config.dbPath)
    .option('--json', 'print as JSON')
    .action(async (opts) => {
      const store = new SqliteGraphStore(opts.db);
      try {
        await store.migrate();
        const counts = await store.counts();
        process.stdout.write(opts.json ? `${JSON.stringify(counts, null, 2)}\n` : `${table(['entity kind', 'count'],
          Object.entries(counts.entities).map(([k, n]) => [k, n]))}\n\n${table(['relationship', 'count'],
          Object.entries(counts.relationships).map(([k, n]) => [k, n]))}\n`);
      } finally {
        await store.close();
      }
    });

  program
    .command('demo')
    .description('generate demo data, load it, and show what the store holds')
    .option('--dir <dir>', 'where demo data and the store go', 'demo-data')
    .option('--traders <n>', 'number of traders', positiveInt, 2000)
    .option('--seed <n>', 'random seed', positiveInt, 42)
    .action(async (opts) => {
      const dir: string = opts.dir;
      process.stderr.write(`generating synthetic declarations in ${dir}/ ...\n`);
      const synth = await generateSynthetic(dir, { traders: opts.traders, seed: opts.seed });
      const db = join(dir, 'customs-graph.db');
      const report = await ingestCommand([synth.declarationsFile], {
        db, watchlist: synth.watchlistFile, rejects: join(dir, 'rejects.csv'),
      }, config, logger);
      process.stdout.write(`${printIngestReport(report)}\n\n`);
      process.stdout.write(`${synth.truth.rings.length} fraud rings are planted in this data (ground truth: ${synth.truthFile}).\n`);
      process.stdout.write(`Explore the store: npx customs-graph stats --db ${db}\n`);
    });

  return program;
}

export async function run(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof FatalInputError || err instanceof MappingError || err instanceof UserError) {
      process.stderr.write(`customs-graph: ${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}
