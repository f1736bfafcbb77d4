/**
 * The clearance system's flow in the scaled mode: a real redis-server (append-only), an API server
 * with BullMQ queues, worker processes of the CLI. Declarations lodged are stored once each, with
 * what was lodged, when a worker is killed with kill -9 while loading and when Redis restarts
 * mid-flow. And the watched folder: a file with bad rows ends in done/ with its rejects, a binary
 * file in failed/ with the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BullJobs, connectionFromUrl } from '../src/jobs/bullmq';
import type { RunningServer } from '../src/api/server';
import { servedApi, type GqlClient } from './api-client';
import { analysedSyntheticStore, runCli, tempDir } from './helpers';
import { startRedis, type TestRedis } from './redis';
import { spawnWorker, until } from './workers';

const tmp = tempDir('cg-flow-scaled-');
const LODGE = `mutation($i: [DeclarationInput!]!, $k: String) { lodgeDeclarations(inputs: $i, capacity: 0.1, idempotencyKey: $k) { job { id } } }`;

const decl = (n: number) => ({
  declarationId: `FLOW-${n}`, lodgedAt: '2025-12-30', traderId: `TF${n % 11}`, traderName: `Flow Trader ${n % 11}`, originCountry: 'TR', hsCode: '870899',
  declaredValue: 500 + n, supplierId: `SF${n % 3}`, supplierName: `Flow Supplier ${n % 3}`,
});

function worker(db: string, redisUrl: string, opts: { queues?: string; env?: Record<string, string> } = {}) {
  return spawnWorker(db, redisUrl, { queues: opts.queues ?? 'ingest', env: opts.env });
}

/** What the store holds of the lodged declarations: how many, any key twice, each one's declared value. */
function stored(db: string): { declarations: number; duplicateKeys: number; values: Map<string, number> } {
  const d = new Database(db, { readonly: true });
  try {
    const rows = d.prepare("SELECT declaration_id AS id, declared_value AS v FROM declarations WHERE declaration_id LIKE 'FLOW-%'").all() as Array<{ id: string; v: number }>;
    const duplicateKeys = d.prepare('SELECT COUNT(*) FROM (SELECT 1 FROM entities GROUP BY kind, key HAVING COUNT(*) > 1)').pluck().get() as number;
    return { declarations: rows.length, duplicateKeys, values: new Map(rows.map((r) => [r.id, r.v])) };
  } finally {
    d.close();
  }
}


async function scaled(name: string, fn: (ctx: { redis: TestRedis; db: string; gql: GqlClient<'clr'>; jobs: BullJobs }) => Promise<void>): Promise<void> {
  const redis = await startRedis(join(tmp.dir, `${name}-redis`));
  // Lodging channels with the current run's model: the store has one (history loaded and analysed).
  const { store } = await analysedSyntheticStore(tmp.dir, `${name}.db`, { traders: 150, seed: 5 });
  const db = store.path;
  const jobs = new BullJobs(connectionFromUrl(redis.url));
  let server: RunningServer | undefined;
  try {
    const served = await servedApi(store, { clr: ['clearance', `${name}-key`] }, { jobs });
    server = served.server;
    await fn({ redis, db, gql: served.gql, jobs });
  } finally {
    await server?.close();
    await store.close();
    await redis.stop();
  }
}

const allDone = (jobs: BullJobs, ids: string[]) => async () => {
  for (const id of ids) if ((await jobs.get(id.replace(/^Job:/, '')))?.status !== 'done') return false;
  return true;
};

describe('lodged declarations in the scaled mode', () => {
  it('are stored once each, as lodged, when a worker is killed with kill -9 while loading', async () => {
    await scaled('kill', async ({ redis, db, gql, jobs }) => {
      const first = worker(db, redis.url);
      await first.ready;
      const ids: string[] = [];
      for (let b = 0; b < 40; b++) {
        const r = await gql('clr', LODGE, { i: Array.from({ length: 10 }, (_, k) => decl(b * 10 + k)), k: `kill-${b}` });
        expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
        ids.push(r.data!.lodgeDeclarations.job.id);
      }
      await until(async () => (await jobs.get(ids[0]!.replace(/^Job:/, '')))?.status === 'done');
      first.proc.kill('SIGKILL');
      const second = worker(db, redis.url);
      await second.ready;
      try {
        await until(allDone(jobs, ids));
      } finally {
        second.proc.kill('SIGTERM');
      }
      const s = stored(db);
      expect(s).toMatchObject({ declarations: 400, duplicateKeys: 0 });
      for (let n = 0; n < 400; n++) expect(s.values.get(`FLOW-${n}`)).toBe(500 + n);
    });
  }, 180_000);

  it('are stored once each when Redis restarts mid-flow (append-only file); a batch refused meanwhile is sent again', async () => {
    await scaled('restart', async ({ redis, db, gql, jobs }) => {
      const w = worker(db, redis.url);
      await w.ready;
      try {
        const ids: string[] = [];
        const lodge = async (b: number): Promise<boolean> => {
          const r = await gql('clr', LODGE, { i: Array.from({ length: 10 }, (_, k) => decl(b * 10 + k)), k: `restart-${b}` });
          if (r.errors) return false;
          ids.push(r.data!.lodgeDeclarations.job.id);
          return true;
        };
        for (let b = 0; b < 15; b++) expect(await lodge(b)).toBe(true);
        await redis.stop();
        // While Redis is down a batch is refused (an error, never a lost "yes"); the clearance system keeps it.
        const refused = await Promise.race([lodge(15), new Promise<boolean>((r) => setTimeout(() => r(false), 3000))]);
        await redis.start();
        if (!refused) {
          await until(() => lodge(15), 30_000);
        }
        for (let b = 16; b < 30; b++) await until(() => lodge(b), 30_000);
        await until(allDone(jobs, [...new Set(ids)]));
      } finally {
        w.proc.kill('SIGTERM');
      }
      const s = stored(db);
      expect(s).toMatchObject({ declarations: 300, duplicateKeys: 0 });
      for (let n = 0; n < 300; n++) expect(s.values.get(`FLOW-${n}`)).toBe(500 + n);
    });
  }, 180_000);
});

describe('analysis keeping up, and files handed to the workers', () => {
  it('queues one analysis when the declarations stored cross CUSTOMS_GRAPH_ANALYZE_AFTER, and enqueue and watch hand files to the workers', async () => {
    await scaled('after', async ({ redis, db, gql, jobs }) => {
      const w = worker(db, redis.url, { queues: 'ingest,analysis', env: { CUSTOMS_GRAPH_ANALYZE_AFTER: '100' } });
      await w.ready;
      try {
        const runBefore = (await jobs.list({ kind: 'analysis', offset: 0, limit: 10 })).total;
        const ids: string[] = [];
        for (let b = 0; b < 12; b++) ids.push((await gql('clr', LODGE, { i: Array.from({ length: 10 }, (_, k) => decl(b * 10 + k)) })).data!.lodgeDeclarations.job.id);
        await until(allDone(jobs, ids));
        // 120 stored: one multiple of 100 crossed, one analysis, run by the worker's analysis queue.
        await until(async () => (await jobs.list({ kind: 'analysis', status: 'done', offset: 0, limit: 10 })).total === runBefore + 1);
        expect((await jobs.list({ kind: 'analysis', offset: 0, limit: 10 })).total).toBe(runBefore + 1);
        // A file enqueued by the CLI, waited for.
        const file = join(tmp.dir, 'enqueued.csv');
        writeFileSync(file, 'declaration_id,lodged_at,trader_id,origin_country,hs_code,declared_value\nE-1,2025-12-01,TE1,CN,610910,100\nE-2,2025-12-01,TE2,CN,610910,x\n');
        const enq = runCli(['enqueue', file, '--db', db, '--rejects', join(tmp.dir, 'enq-rejects.csv'), '--wait', '--json'], { env: { REDIS_URL: redis.url } });
        expect(enq.status, enq.stderr).toBe(0);
        expect(JSON.parse(enq.stdout)).toEqual([expect.objectContaining({ kind: 'ingest', status: 'done', result: expect.objectContaining({ read: 2, accepted: 1, rejected: 1 }) })]);
        // A folder watched with REDIS_URL: its file goes through a job.
        const dir = join(tmp.dir, 'drop-scaled');
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'w.csv'), 'declaration_id,lodged_at,trader_id,origin_country,hs_code,declared_value\nWS-1,2025-12-01,TW9,CN,610910,100\n');
        const watched = runCli(['watch', dir, '--db', db, '--once'], { env: { REDIS_URL: redis.url } });
        expect(watched.status, watched.stderr).toBe(0);
        expect(existsSync(join(dir, 'done', 'w.csv'))).toBe(true);
        expect((await jobs.list({ kind: 'ingest', offset: 0, limit: 10 })).total).toBe(2);
      } finally {
        w.proc.kill('SIGTERM');
      }
      expect(stored(db).declarations).toBe(120);
    });
  }, 180_000);
});

describe('the scheduled retention purge', () => {
  it('runs from CUSTOMS_GRAPH_PURGE_CRON as a job of the analysis queue, with the policy\'s cutoff of its day', async () => {
    await scaled('purge-cron', async ({ redis, db, jobs }) => {
      const oldest = new Database(db, { readonly: true });
      const [first, last] = oldest.prepare('SELECT MIN(lodged_at), MAX(lodged_at) FROM declarations').raw().get() as [string, string];
      oldest.close();
      // A retention of whole years that cuts into the data: at least the first year's declarations go.
      const years = Math.max(1, new Date().getUTCFullYear() - Number(last.slice(0, 4)));
      const w = worker(db, redis.url, { queues: 'analysis', env: { CUSTOMS_GRAPH_PURGE_CRON: '*/2 * * * * *', CUSTOMS_GRAPH_RETENTION_YEARS: String(years) } });
      await w.ready;
      try {
        expect((await jobs.queues.analysis.getJobSchedulers()).map((x) => x.key)).toContain('periodic-purge');
        await until(async () => (await jobs.list({ kind: 'purge', status: 'done', offset: 0, limit: 5 })).total > 0).catch(async (err: Error) => {
          // What went wrong instead: the purges that failed, and what the worker said.
          const failed = (await jobs.list({ kind: 'purge', status: 'failed', offset: 0, limit: 3 })).jobs.map((j) => (j.status === 'failed' ? j.error : ''));
          throw new Error(`${err.message} waiting for a finished purge; failed purges: ${JSON.stringify(failed)}; the worker's stderr:\n${w.stderr()}`);
        });
        const [job] = (await jobs.list({ kind: 'purge', status: 'done', offset: 0, limit: 1 })).jobs;
        const result = (job as unknown as { result: { before: string; done: { declarations: number } } }).result;
        expect(result.before > first.slice(0, 10)).toBe(true);
        const check = new Database(db, { readonly: true });
        const purged = check.prepare('SELECT COUNT(*) FROM declarations WHERE purged = 1').pluck().get() as number;
        const older = check.prepare('SELECT COUNT(*) FROM declarations WHERE lodged_at < ?').pluck().get(result.before) as number;
        check.close();
        expect(purged).toBe(older);
        expect(purged).toBeGreaterThan(0);
      } finally {
        w.proc.kill('SIGTERM');
      }
    });
  }, 180_000);
});

describe('a watched folder', () => {
  it('loads a file with bad rows into done/ with its rejects, and puts a binary file in failed/ with the reason', () => {
    const dir = join(tmp.dir, 'drop');
    mkdirSync(dir, { recursive: true });
    const header = 'declaration_id,item_no,lodged_at,trader_id,trader_name,origin_country,hs_code,declared_value,currency';
    writeFileSync(join(dir, 'day-1.csv'), `${header}\nW-1,1,2025-12-01,TW1,Watch Trader,CN,610910,1000,MAD\nW-2,1,2025-13-45,TW1,Watch Trader,CN,610910,1000,MAD\nW-3,1,2025-12-02,TW2,Other Trader,CN,610910,2000,MAD\n`);
    writeFileSync(join(dir, 'export.bin'), Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0xff, 0x00, 0x10, 0x00, 0x00, 0x00, 0xfe]));
    const db = join(tmp.dir, 'watch.db');
    const r = runCli(['watch', dir, '--db', db, '--once'], { env: { REDIS_URL: '' } });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'done', 'day-1.csv'))).toBe(true);
    const rejects = readFileSync(join(dir, 'done', 'day-1.csv.rejects.csv'), 'utf8');
    expect(rejects).toContain('W-2');
    expect(rejects).not.toContain('W-1');
    expect(existsSync(join(dir, 'failed', 'export.bin'))).toBe(true);
    expect(readFileSync(join(dir, 'failed', 'export.bin.reason.txt'), 'utf8')).toMatch(/binary|not a CSV|not text/i);
    expect(existsSync(join(dir, 'day-1.csv')) || existsSync(join(dir, 'export.bin'))).toBe(false);
    const d = new Database(db, { readonly: true });
    expect(d.prepare("SELECT declaration_id FROM declarations ORDER BY 1").pluck().all()).toEqual(['W-1', 'W-3']);
    d.close();
  });
});

beforeAll(() => undefined);
afterAll(() => tmp.cleanup());
