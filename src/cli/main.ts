/** The command line: customs-graph ingest | synth | analyze | top | rings | evaluate | score | stats | demo. */
import { Command, InvalidArgumentError } from 'commander';
import { join } from 'node:path';
import { loadConfig } from '../config';
import { FatalInputError } from '../ingest/sniff';
import { MappingError } from '../ingest/mapping';
import { generateSynthetic } from '../synth/generate';
import type { GraphStore } from '../store/graph-store';
import { openStore, withStore } from '../store/open';
import { createLogger } from '../util/logger';
import { createProgress } from '../util/progress';
import { formatNumber, table } from './format';
import { ingestCommand, printIngestReport } from './ingest-command';
import { parseKind } from '../domain/entities';
import { NoCurrentRunError } from '../analysis/scoring/declaration-scorer';
import type { KeyRing } from '../api/auth';
import type { JobKind } from '../jobs/processors';
import { parseShare } from '../targeting/select';
import { existsSync } from 'node:fs';

function number(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}


function share(value: string): number {
  try {
    return parseShare(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative whole number');
  return n;
}

/**
 * What only some commands use is loaded when one of them runs: `ingest` need not load the API
 * server, BullMQ and the analysis (0.8 s and 60 MB of a process that only loads files).
 */
const analysisCommands = () => require('./analysis-commands') as typeof import('./analysis-commands');
const targetingCommands = () => require('./targeting-commands') as typeof import('./targeting-commands');
const apiServer = () => require('../api/server') as typeof import('../api/server');
const apiAuth = () => require('../api/auth') as typeof import('../api/auth');
const bullmq = () => require('../jobs/bullmq') as typeof import('../jobs/bullmq');
const jobProcessors = () => require('../jobs/processors') as typeof import('../jobs/processors');

/** BullMQ queues on the Redis at this URL. */
function bullJobs(redisUrl: string) {
  const { BullJobs, connectionFromUrl } = bullmq();
  return new BullJobs(connectionFromUrl(redisUrl));
}

/** Errors a user can fix: one line, exit 1, no stack. */
class UserError extends Error {}

function loadKeys(file: string | undefined): KeyRing {
  const { KeyRing } = apiAuth();
  if (file) return KeyRing.fromFile(file);
  if (process.env.CUSTOMS_GRAPH_API_KEYS) return KeyRing.fromEnv(process.env.CUSTOMS_GRAPH_API_KEYS);
  if (existsSync('api-keys.json')) return KeyRing.fromFile('api-keys.json');
  throw new UserError('no API keys: give --keys FILE or set CUSTOMS_GRAPH_API_KEYS=role:key,...');
}

/** The store, once it is known to have a current analysis run (checked by id: the run itself is large). */
async function requireRun<S extends GraphStore>(store: S): Promise<S> {
  if (!(await store.currentRunId())) throw new NoCurrentRunError();
  return store;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

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
    .argument('[files...]', 'declaration files')
    .option('--watchlist <file>', 'watchlist CSV (kind,key,reason,source,severity,listed_at)')
    .option('--outcomes <file>', 'control outcomes CSV (declaration_id,item_no,outcome,fraud_type,recovered_amount)')
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
    .command('analyze')
    .description('run community detection, link analysis and risk scoring; the new run becomes current when complete')
    .option('--db <path>', 'SQLite store file', config.dbPath)
    .option('--seed <n>', 'random seed (same input and seed give the same results)', positiveInt, 42)
    .option('--resolution <r>', 'Louvain resolution (higher: smaller communities)', number, 1)
    .option('--weights <mode>', 'auto (fit to recorded outcomes when there are enough) or defaults', 'auto')
    .option('--single-thread', 'keep the whole run on one thread (by default the graph algorithms run on a second thread while the declarations are scanned, one of the two personalized PageRanks beside the other, and the declaration model while entities are scored)')
    .option('--keep-runs <n>', 'keep the results of this many completed runs; older ones are pruned (CUSTOMS_GRAPH_KEEP_RUNS)', positiveInt, config.keepRuns)
    .option('--json', 'print the summary as JSON')
    .action(async (opts) => {
      if (opts.weights !== 'auto' && opts.weights !== 'defaults') throw new UserError('--weights must be auto or defaults');
      const { analyzeCommand, printAnalysis } = analysisCommands();
      const summary = await withStore(opts.db, (store) => analyzeCommand(store, {
        seed: opts.seed, resolution: opts.resolution, weights: opts.weights, quiet: opts.json, storePath: opts.db, graphThread: !opts.singleThread,
        keepRuns: opts.keepRuns,
      }));
      process.stdout.write(opts.json ? `${JSON.stringify(summary, null, 2)}\n` : `${printAnalysis(summary)}\n`);
    });

  program
    .command('top')
    .description('the highest-risk entities of the current run, with their top reasons')
    .option('--db <path>', 'SQLite store file', config.dbPath)
    .option('--kind <kind>', 'entity kind (trader, supplier, broker, ...)')
    .option('--limit <n>', 'how many', positiveInt, 20)
    .option('--json', 'print as JSON')
    .action(async (opts) => {
      const kind = opts.kind ? parseKind(opts.kind) : undefined;
      if (opts.kind && !kind) throw new UserError(`unknown kind: ${opts.kind}`);
      const { topCommand, printTop } = analysisCommands();
      const rows = await withStore(opts.db, async (store) => topCommand(await requireRun(store), { kind, limit: opts.limit }));
      process.stdout.write(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : `${printTop(rows)}\n`);
    });

  program
    .command('rings')
    .description('communities of the current run ranked as candidate fraud rings')
    .option('--db <path>', 'SQLite store file', config.dbPath)
    .option('--limit <n>', 'how many', positiveInt, 20)
    .option('--json', 'print as JSON')
    .action(async (opts) => {
      const { ringsCommand, printRings } = analysisCommands();
      const rows = await withStore(opts.db, async (store) => ringsCommand(await requireRun(store), opts.limit));
      process.stdout.write(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : `${printRings(rows)}\n`);
    });

  program
    .command('evaluate')
    .description('compare the current run with planted ground truth (truth.json from synth)')
    .requiredOption('--truth <file>', 'truth.json')
    .option('--db <path>', 'SQLite store file', config.dbPath)
    .option('--json', 'print as JSON')
    .action(async (opts) => {
      const { evaluateCommand, printEvaluation } = analysisCommands();
      const e = await withStore(opts.db, async (store) => evaluateCommand(await requireRun(store), opts.truth));
      process.stdout.write(opts.json ? `${JSON.stringify(e, null, 2)}\n` : `${printEvaluation(e)}\n`);
    });

  program
    .command('score')
    .description('score every declaration of a file against the current run')
    .argument('<file>', 'declarations (CSV or NDJSON)')
    .option('--db <path>', 'SQLite store file', config.dbPath)
    .option('--mapping <file>', 'column mapping JSON')
    .option('--evaluate', 'compare the scores with the outcomes the file records (precision at 5% and 10%, AUC)')
    .option('--json', 'print as JSON')
    .action(async (file: string, opts) => {
      const { scoreCommand } = analysisCommands();
      const r = await withStore(opts.db, (store) => scoreCommand(store, file, opts, config));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
        return;
      }
      const top = [...r.scored].sort((a, b) => b.risk - a.risk).slice(0, 20);
      process.stdout.write(`${table(['declaration', 'risk', 'top reasons'], top.map((s) => [
        `${s.declarationId}/${s.itemNo}`, s.risk.toFixed(3), s.reasons.slice(0, 3).map((x) => `${x.name} ${x.contribution >= 0 ? '+' : ''}${x.contribution.toFixed(2)}`).join(', '),
      ]))}\n\n${formatNumber(r.scored.length)} declarations scored against run ${r.run}, ${r.rejected} rejected\n`);
      if (r.evaluation) process.stdout.write(`${table(['measure', 'value'], Object.entries(r.evaluation).map(([k, v]) => [k, Number.isInteger(v) ? v : v.toFixed(3)]))}\n`);
    });

  program
    .command('select')
    .description('choose which declarations of a file to control under a capacity (red physical, orange documentary, green release)')
    .argument('<file>', 'declarations (CSV or NDJSON)')
    .requiredOption('--capacity <share>', 'share of declarations for physical control, e.g. 5%', share)
    .option('--documentary <share>', 'share for documentary control, e.g. 10%', share, 0)
    .option('--exploration <share>', 'share of the physical slots drawn at random outside the top-risk set', share, 0.1)
    .option('--seed <n>', 'random seed for exploration', positiveInt, 42)
    .option('--mapping <file>', 'column mapping JSON')
    .option('--db <path>', 'SQLite store file', config.dbPath)
    .option('--json', 'print as JSON')
    .action(async (file: string, opts) => {
      const { selectCommand, printSelection } = targetingCommands();
      const r = await withStore(opts.db, (store) => selectCommand(store, file, opts, config));
      process.stdout.write(opts.json ? `${JSON.stringify(r, null, 2)}\n` : `${printSelection(r)}\n`);
    });

  program
    .command('simulate')
    .description('replay a labelled history month by month under a capacity, against random and rules baselines')
    .option('--months <n>', 'months to simulate (the last ones of the data)', positiveInt, 12)
    .option('--capacity <share>', 'share of declarations for physical control', share, 0.05)
    .option('--exploration <share>', 'share of the physical slots for exploration', share, 0.1)
    .option('--data <files...>', 'labelled declarations (default: synthetic data)')
    .option('--labels <file>', 'ground truth: declaration_id,item_no,fraud,fraud_value (default: the recorded outcomes)')
    .option('--mapping <file>', 'column mapping JSON for --data')
    .option('--traders <n>', 'traders in the synthetic data', positiveInt, 2000)
    .option('--history <n>', 'months of synthetic history before the simulated ones', positiveInt, 3)
    .option('--seed <n>', 'random seed', positiveInt, 42)
    .option('--json', 'print as JSON')
    .action(async (opts) => {
      const { simulateCommand, printSimulation } = targetingCommands();
      const months = await simulateCommand({ ...opts, quiet: opts.json }, config);
      process.stdout.write(opts.json ? `${JSON.stringify(months, null, 2)}\n` : `${printSimulation(months)}\n`);
    });

  program
    .command('worker')
    .description('process BullMQ jobs (scaled mode; REDIS_URL): ingest and analysis; SIGTERM finishes the jobs in hand, then exits')
    .option('--queues <list>', 'comma-separated queues', 'ingest,analysis,export')
    .option('--concurrency <n>', 'jobs at once per queue', positiveInt, 1)
    .option('--db <path>', 'SQLite store file for scheduled analyses', config.dbPath)
    .action(async (opts) => {
      if (!process.env.REDIS_URL) throw new UserError('set REDIS_URL (for example redis://127.0.0.1:6379) to run a worker');
      const { BullJobs, connectionFromUrl, startWorkers } = bullmq();
      const { JOB_KINDS } = jobProcessors();
      const queues = String(opts.queues).split(',').map((q) => q.trim()).filter(Boolean) as JobKind[];
      const unknown = queues.filter((q) => !(JOB_KINDS as readonly string[]).includes(q));
      if (unknown.length) throw new UserError(`unknown queue(s): ${unknown.join(', ')} (known: ${JOB_KINDS.join(', ')})`);
      const connection = connectionFromUrl(process.env.REDIS_URL);
      const cron = process.env.CUSTOMS_GRAPH_ANALYSIS_CRON;
      if (cron) {
        const jobs = new BullJobs(connection);
        await jobs.scheduleAnalysis(cron, { db: opts.db, seed: 42, resolution: 1 });
        await jobs.close();
        logger.info({ cron }, 'periodic analysis scheduled');
      }
      // Listen for signals before saying "ready": a supervisor may stop us the moment it reads it.
      const stop = untilSignal();
      const w = await startWorkers({
        connection, queues, concurrency: opts.concurrency, logger,
        lockDuration: Number(process.env.CUSTOMS_GRAPH_LOCK_MS || 30_000), stalledInterval: Number(process.env.CUSTOMS_GRAPH_STALLED_MS || 30_000),
      });
      process.stdout.write(`worker ready: ${queues.join(', ')}\n`);
      await stop;
      process.stdout.write('worker stopping: finishing the jobs in hand\n');
      await w.close();
      process.stdout.write('worker stopped\n');
    });

  program
    .command('serve')
    .description('serve the GraphQL API (and /healthz, /readyz)')
    .option('--db <path>', 'SQLite store file', config.dbPath)
    .option('--port <n>', 'port', positiveInt, 4000)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--keys <file>', 'API key file (JSON: [{name, role, sha256}]); or set CUSTOMS_GRAPH_API_KEYS=role:key,...')
    .action(async (opts) => {
      const keys = loadKeys(opts.keys);
      const { startServer } = apiServer();
      const store = openStore(opts.db);
      await store.migrate();
      // REDIS_URL switches jobs from the in-process runner to BullMQ queues.
      const jobs = process.env.REDIS_URL ? bullJobs(process.env.REDIS_URL) : undefined;
      const stop = untilSignal();
      const server = await startServer({ store, keys, config, logger, port: opts.port, host: opts.host, jobs });
      process.stdout.write(`customs-graph API at ${server.url} (${keys.size} API keys)\n`);
      await stop;
      await server.close();
      await store.close();
    });

  program
    .command('stats')
    .description('counts of what the store holds')
    .option('--db <path>', 'SQLite store file', config.dbPath)
    .option('--json', 'print as JSON')
    .action(async (opts) => {
      const store = openStore(opts.db);
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
    .option('--port <n>', 'port to serve the API on', positiveInt, 4000)
    .option('--no-serve', 'stop after the analysis instead of serving the API')
    .action(async (opts) => {
      const dir: string = opts.dir;
      process.stderr.write(`generating synthetic declarations in ${dir}/ ...\n`);
      const synth = await generateSynthetic(dir, { traders: opts.traders, seed: opts.seed });
      const db = join(dir, 'customs-graph.db');
      const { analyzeCommand, printAnalysis, ringsCommand, printRings } = analysisCommands();
      const report = await ingestCommand([synth.declarationsFile], {
        db, watchlist: synth.watchlistFile, rejects: join(dir, 'rejects.csv'),
      }, config, logger);
      process.stdout.write(`${printIngestReport(report)}\n\n`);
      const summary = await withStore(db, (store) => analyzeCommand(store, { seed: opts.seed, resolution: 1, storePath: db, keepRuns: config.keepRuns }));
      process.stdout.write(`${printAnalysis(summary)}\n\ntop candidate rings:\n`);
      process.stdout.write(`${printRings(await withStore(db, (store) => ringsCommand(store, 10)))}\n\n`);
      process.stdout.write(`${synth.truth.rings.length} fraud rings are planted in this data (ground truth: ${synth.truthFile}).\n`);
      process.stdout.write(`Next: npx customs-graph top --kind trader --db ${db}\n      npx customs-graph evaluate --truth ${synth.truthFile} --db ${db}\n`);
      if (!opts.serve) return;
      const keyFile = join(dir, 'api-keys.json');
      const { createKeyFile, KeyRing } = apiAuth();
      const { startServer } = apiServer();
      const clear = createKeyFile(keyFile);
      const store = openStore(db);
      const stop = untilSignal();
      const server = await startServer({ store, keys: KeyRing.fromFile(keyFile), config, logger, port: opts.port });
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

  return program;
}

export async function run(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof FatalInputError || err instanceof MappingError || err instanceof UserError || err instanceof NoCurrentRunError) {
      process.stderr.write(`customs-graph: ${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}
