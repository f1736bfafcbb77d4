/**
 * `customs-graph enqueue FILE...` and `customs-graph watch DIR`: files handed to workers (scaled
 * mode) or loaded as they arrive in a folder, for systems that export files.
 */
import type { Command } from 'commander';
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Config } from '../../config';
import type { JobInfo } from '../../jobs/runner';
import { UsageError } from '../../util/errors';
import type { Logger } from '../../util/logger';
import { emit, table } from '../output';
import { positiveInt, untilSignal, withDb, withJson } from '../options';
import { ingestCommand } from './ingest';

const bullmq = () => require('../../jobs/bullmq') as typeof import('../../jobs/bullmq');

function requireRedis(what: string): string {
  if (!process.env.REDIS_URL) throw new UsageError(`${what} hands files to workers: set REDIS_URL (scaled mode); in the embedded mode, use \`customs-graph ingest\``);
  return process.env.REDIS_URL;
}

/** Waits for a queued job to end, reading its state every `ms`. */
async function ended(get: () => Promise<JobInfo | undefined>, ms = 200): Promise<JobInfo> {
  for (;;) {
    const job = await get();
    if (job && (job.status === 'done' || job.status === 'failed')) return job;
    await new Promise((r) => setTimeout(r, ms));
  }
}

/** The files of a folder ready to load: not hidden, not being written (unchanged since the last look), oldest first. */
function readyFiles(dir: string, seen: Map<string, number>): string[] {
  const out: Array<[string, number]> = [];
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    const st = statSync(path);
    if (!st.isFile()) continue;
    const stamp = st.size * 1e13 + st.mtimeMs;
    if (seen.get(path) === stamp) out.push([path, st.mtimeMs]);
    else seen.set(path, stamp);
  }
  return out.sort((a, b) => a[1] - b[1]).map(([p]) => p);
}

export function registerFlow(program: Command, config: Config, logger: Logger): void {
  withJson(withDb(program
    .command('enqueue <files...>')
    .description('put declaration files on the ingest queue for the workers (scaled mode: REDIS_URL)')
    .option('--mapping <file>', 'column mapping (JSON) for files in another layout')
    .option('--rejects <file>', 'where the workers write rejected rows', 'rejects.csv')
    .option('--wait', 'wait for the jobs to end and print their counts'), config))
    .action(async (files: string[], opts) => {
      const { BullJobs, connectionFromUrl } = bullmq();
      const jobs = new BullJobs(connectionFromUrl(requireRedis('enqueue')));
      try {
        for (const f of files) if (!existsSync(f)) throw new UsageError(`no such file: ${f}`);
        const queued = [];
        for (const f of files) {
          queued.push(await jobs.enqueueIngest({
            db: resolve(opts.db), files: [resolve(f)], rejects: resolve(files.length > 1 ? `${opts.rejects.replace(/\.csv$/, '')}.${basename(f)}.csv` : opts.rejects),
            ...(opts.mapping ? { mapping: resolve(opts.mapping) } : {}),
          }));
        }
        const out = opts.wait ? await Promise.all(queued.map((j) => ended(() => jobs.get(j.id)))) : queued;
        emit(opts.json, out, () => table(['job', 'kind', 'status', 'result'], out.map((j) => [j.id, j.kind, j.status, j.status === 'done' ? JSON.stringify(j.result) : j.status === 'failed' ? j.error : ''])));
      } finally {
        await jobs.close();
      }
    });

  withDb(program
    .command('watch <dir>')
    .description('load the files dropped in a folder: each moves to done/ (with its rejects) or failed/ (with the reason); REDIS_URL hands them to workers')
    .option('--interval <ms>', 'how often the folder is read', positiveInt, 1000)
    .option('--mapping <file>', 'column mapping (JSON) for files in another layout')
    .option('--once', 'load what is there and stop'), config)
    .action(async (dir: string, opts) => {
      const [done, failed] = [join(dir, 'done'), join(dir, 'failed')];
      mkdirSync(done, { recursive: true });
      mkdirSync(failed, { recursive: true });
      const jobs = process.env.REDIS_URL ? new (bullmq().BullJobs)(bullmq().connectionFromUrl(process.env.REDIS_URL)) : undefined;
      const stop = untilSignal();
      let stopping = false;
      void stop.then(() => { stopping = true; });
      const seen = new Map<string, number>();
      const load = async (file: string): Promise<void> => {
        const name = basename(file);
        const rejects = join(done, `${name}.rejects.csv`);
        try {
          let rejected: number;
          if (jobs) {
            const job = await ended(async () => jobs.get((await jobs.enqueueIngest({ db: resolve(opts.db), files: [resolve(file)], rejects, ...(opts.mapping ? { mapping: resolve(opts.mapping) } : {}) })).id));
            if (job.status === 'failed') throw new Error(job.error);
            rejected = Number(job.status === 'done' ? job.result.rejected : 0);
          } else {
            rejected = (await ingestCommand([file], { db: opts.db, mapping: opts.mapping, rejects, json: true }, config, logger)).rejected;
          }
          renameSync(file, join(done, name));
          logger.info({ file: name, rejected }, 'loaded');
        } catch (err) {
          renameSync(file, join(failed, name));
          writeFileSync(join(failed, `${name}.reason.txt`), `${(err as Error).message}\n`);
          logger.warn({ file: name, err: (err as Error).message }, 'not loaded');
        }
      };
      try {
        // A file is taken once it has not changed between two looks; --once looks twice.
        readyFiles(dir, seen);
        for (;;) {
          await new Promise((r) => setTimeout(r, opts.once ? 50 : opts.interval));
          for (const f of readyFiles(dir, seen)) {
            if (stopping) break;
            await load(f);
          }
          if (opts.once || stopping) break;
        }
      } finally {
        await jobs?.close();
      }
    });
}
