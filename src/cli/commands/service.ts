/** `customs-graph serve | worker`: the API server and the BullMQ workers of the scaled mode. */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { KeyRing } from '../../api/auth';
import type { Config } from '../../config';
import type { QueueName } from '../../jobs/processors';
import { openStore, requireExistingStore } from '../../store/open';
import { UsageError } from '../../util/errors';
import type { Logger } from '../../util/logger';
import { positiveInt, untilSignal, withDb } from '../options';

// The API server, BullMQ and their dependencies are loaded only by the commands that run them.
export const apiServer = () => require('../../api/server') as typeof import('../../api/server');
export const apiAuth = () => require('../../api/auth') as typeof import('../../api/auth');
const bullmq = () => require('../../jobs/bullmq') as typeof import('../../jobs/bullmq');
const jobProcessors = () => require('../../jobs/processors') as typeof import('../../jobs/processors');

function loadKeys(file: string | undefined): KeyRing {
  const { KeyRing } = apiAuth();
  if (file) return KeyRing.fromFile(file);
  if (process.env.CUSTOMS_GRAPH_API_KEYS) return KeyRing.fromEnv(process.env.CUSTOMS_GRAPH_API_KEYS);
  if (existsSync('api-keys.json')) return KeyRing.fromFile('api-keys.json');
  throw new UsageError('no API keys: give --keys FILE or set CUSTOMS_GRAPH_API_KEYS=role:key,...');
}

export function registerService(program: Command, config: Config, logger: Logger): void {
  withDb(program
    .command('worker')
    .description('process BullMQ jobs (scaled mode; REDIS_URL): files, lodged declarations and outcomes (ingest), analysis, export, webhooks (deliver); SIGTERM finishes the jobs in hand, then exits')
    .option('--queues <list>', 'comma-separated queues', 'ingest,analysis,export,deliver')
    .option('--concurrency <n>', 'jobs at once per queue', positiveInt, 1), config)
    .action(async (opts) => {
      if (!process.env.REDIS_URL) throw new UsageError('set REDIS_URL (for example redis://127.0.0.1:6379) to run a worker');
      const { BullJobs, connectionFromUrl, startWorkers } = bullmq();
      const { QUEUES } = jobProcessors();
      const queues = String(opts.queues).split(',').map((q) => q.trim()).filter(Boolean) as QueueName[];
      const unknown = queues.filter((q) => !(QUEUES as readonly string[]).includes(q));
      if (unknown.length) throw new UsageError(`unknown queue(s): ${unknown.join(', ')} (known: ${QUEUES.join(', ')})`);
      const connection = connectionFromUrl(process.env.REDIS_URL);
      const cron = process.env.CUSTOMS_GRAPH_ANALYSIS_CRON;
      const purgeCron = process.env.CUSTOMS_GRAPH_PURGE_CRON;
      if (cron || purgeCron) {
        const jobs = new BullJobs(connection);
        if (cron) await jobs.scheduleAnalysis(cron, { db: opts.db, seed: 42, resolution: 1 });
        if (purgeCron) await jobs.schedulePurge(purgeCron, { db: opts.db });
        await jobs.close();
        logger.info({ cron, purgeCron }, 'periodic jobs scheduled');
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

  withDb(program
    .command('serve')
    .description('serve the GraphQL API (and /healthz, /readyz)')
    .option('--port <n>', 'port', positiveInt, 4000)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--keys <file>', 'API key file (JSON: [{name, role, sha256}]); or set CUSTOMS_GRAPH_API_KEYS=role:key,...'), config)
    .action(async (opts) => {
      const keys = loadKeys(opts.keys);
      requireExistingStore(opts.db);
      const { startServer, QUERY_LIMITS } = apiServer();
      const store = openStore(opts.db);
      await store.migrate();
      // REDIS_URL switches jobs from the in-process runner to BullMQ queues.
      const jobs = process.env.REDIS_URL ? bullJobs(process.env.REDIS_URL) : undefined;
      const stop = untilSignal();
      const server = await startServer({ store, dbPath: opts.db, keys, config, logger, port: opts.port, host: opts.host, jobs });
      // What an operator needs to know the server is the one they meant: never a key, only names by role.
      logger.info({
        url: server.url, store: process.env.NEO4J_URI ? `neo4j ${process.env.NEO4J_URI}` : resolve(opts.db), jobs: jobs ? 'bullmq' : 'in-process',
        production: process.env.NODE_ENV === 'production', keys: keys.byRole(), limits: QUERY_LIMITS,
      }, 'serving');
      process.stdout.write(`customs-graph API at ${server.url} (${keys.size} API keys)\n`);
      await stop;
      await server.close();
      await store.close();
    });
}

/** BullMQ queues on the Redis at this URL. */
function bullJobs(redisUrl: string) {
  const { BullJobs, connectionFromUrl } = bullmq();
  return new BullJobs(connectionFromUrl(redisUrl));
}
