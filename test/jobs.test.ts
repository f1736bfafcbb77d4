/** BullMQ jobs with a real redis-server and real worker processes (no mock of Redis or BullMQ). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueEvents, Worker as BullWorker } from 'bullmq';
import Database from 'better-sqlite3';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { KeyRing } from '../src/api/auth';
import { startServer } from '../src/api/server';
import { BullJobs, connectionFromUrl, QUEUE_PREFIX } from '../src/jobs/bullmq';
import { ringSubgraph } from '../src/export/subgraph';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { silentLogger } from '../src/util/logger';
import { generateSynthetic } from '../src/synth/generate';
import { ROOT, runCli, tempDir } from './helpers';
import { startRedis, type TestRedis } from './redis';
import { spawnWorker } from './workers';

const tmp = tempDir('cg-jobs-');
let redis: TestRedis;
let jobs: BullJobs;
let bigFile: string;
let smallFile: string;

/** A worker on every queue, with the default locks (these tests kill and stop workers at their own pace). */
function worker(db: string, env: Record<string, string> = {}) {
  return spawnWorker(db, redis.url, { env: { CUSTOMS_GRAPH_DB: db, CUSTOMS_GRAPH_LOCK_MS: '30000', CUSTOMS_GRAPH_STALLED_MS: '30000', ...env } });
}

function counts(db: string) {
  const none = { declarations: 0, entities: 0, duplicateKeys: 0 };
  if (!existsSync(db)) return none;
  const d = new Database(db, { readonly: true });
  try {
    // A worker may have created the file and not yet its tables: nothing is in it yet.
    if (!d.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'declarations'").get()) return none;
    return {
      declarations: d.prepare('SELECT COUNT(*) FROM declarations').pluck().get() as number,
      entities: d.prepare('SELECT COUNT(*) FROM entities').pluck().get() as number,
      duplicateKeys: d.prepare('SELECT COUNT(*) FROM (SELECT 1 FROM entities GROUP BY kind, key HAVING COUNT(*) > 1)').pluck().get() as number,
    };
  } finally {
    d.close();
  }
}

/** Counts of the file ingested straight into a fresh store by the CLI, once per file. */
const directCounts = new Map<string, ReturnType<typeof counts>>();
function countsOfDirectIngest(file: string) {
  let c = directCounts.get(file);
  if (!c) {
    const direct = join(tmp.dir, `direct-${directCounts.size}.db`);
    expect(runCli(['ingest', file, '--db', direct, '--json']).status).toBe(0);
    directCounts.set(file, (c = counts(direct)));
  }
  return c;
}

/** The store holds exactly what one uninterrupted ingest of `file` gives, without a duplicate key. */
function expectSameAsDirectIngest(db: string, file: string): void {
  const got = counts(db);
  expect(got.duplicateKeys).toBe(0);
  expect(got).toEqual(countsOfDirectIngest(file));
}

/** A redis-server of the test's own (and queues on it), stopped after `fn` whatever happens. */
async function withOwnRedis(name: string, fn: (own: TestRedis, ownJobs: BullJobs) => Promise<void>, opts: { maxmemoryPolicy?: string } = {}) {
  const own = await startRedis(join(tmp.dir, name), opts);
  const ownJobs = new BullJobs(connectionFromUrl(own.url));
  try {
    await fn(own, ownJobs);
  } finally {
    await ownJobs.close();
    await own.stop();
  }
}

async function waitFor<T>(fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  redis = await startRedis(tmp.dir);
  jobs = new BullJobs(connectionFromUrl(redis.url));
  bigFile = (await generateSynthetic(join(tmp.dir, 'big'), { traders: 5000, seed: 2 })).declarationsFile; // ~100k declaration rows
  smallFile = (await generateSynthetic(join(tmp.dir, 'small'), { traders: 150, seed: 3 })).declarationsFile;
}, 120_000);

afterAll(async () => {
  await jobs.close();
  await redis.stop();
  tmp.cleanup();
});

describe('BullMQ jobs', () => {
  it('runs an ingest job in a worker process, queued once per file content', async () => {
    const db = join(tmp.dir, 'ingest.db');
    const payload = { db, files: [smallFile], rejects: join(tmp.dir, 'r1.csv') };
    const a = await jobs.enqueueIngest(payload);
    const b = await jobs.enqueueIngest(payload);
    expect(b.id).toBe(a.id);
    expect(await jobs.queues.ingest.getJobCounts('waiting', 'active')).toMatchObject({ waiting: 1 });
    const w = worker(db);
    await w.ready;
    const done = await waitFor(async () => {
      const j = await jobs.get(a.id);
      return j?.status === 'done' ? j : undefined;
    });
    expect(done.result).toMatchObject({ accepted: expect.any(Number), rejected: 0 });
    expectSameAsDirectIngest(db, smallFile);
    w.proc.kill('SIGTERM');
    expect(await w.exited).toBe(0);
  });

  it('never reports a job done without its result when it ends between reading the job and reading its state', async () => {
    await withOwnRedis('status-race', async (own, runner) => {
      const connection = connectionFromUrl(own.url);
      let release!: () => void;
      const gate = new Promise<void>((r) => { release = r; });
      const worker = new BullWorker('export', async (job) => { await gate; return { echo: job.data.n as number }; }, { connection, prefix: QUEUE_PREFIX });
      const events = new QueueEvents('export', { connection, prefix: QUEUE_PREFIX });
      try {
        await events.waitUntilReady();
        const job = await runner.queues.export.add('export', { n: 7 }, { jobId: 'race-7' });
        while ((await job.getState()) !== 'active') await new Promise((r) => setTimeout(r, 20));
        // The job ends right after its data is read and before its state is: the interleaving seen under load.
        const queue = runner.queues.export;
        const read = queue.getJob.bind(queue);
        let first = true;
        queue.getJob = async (id: string) => {
          const j = await read(id);
          if (first) {
            first = false;
            release();
            await job.waitUntilFinished(events);
          }
          return j;
        };
        const got = await runner.get('race-7');
        expect(got).toMatchObject({ status: 'done', result: { echo: 7 } });
      } finally {
        await events.close();
        await worker.close();
      }
    });
  });

  it('runs analysis in a sandboxed processor with progress, and the run becomes current', async () => {
    const db = join(tmp.dir, 'ingest.db');
    const w = worker(db, {});
    await w.ready;
    const job = await jobs.enqueueAnalysis({ db, seed: 5, resolution: 1 });
    const progress: number[] = [];
    const done = await waitFor(async () => {
      const j = await jobs.get(job.id);
      if (j) progress.push(j.progress);
      return j?.status === 'done' ? j : undefined;
    });
    if (done.status !== 'done') throw new Error(JSON.stringify(done));
    expect(done.result.runId, JSON.stringify(done)).toMatch(/^\d+$/);
    const d = new Database(db, { readonly: true });
    expect(d.prepare('SELECT run_id FROM current_run').pluck().get()).toBe(Number(done.result.runId));
    d.close();
    w.proc.kill('SIGTERM');
    expect(await w.exited).toBe(0);
  });

  it('SIGTERM during a job: the job completes, nothing stalls, the worker exits cleanly', async () => {
    const db = join(tmp.dir, 'sigterm.db');
    const events = new QueueEvents('ingest', { connection: connectionFromUrl(redis.url), prefix: QUEUE_PREFIX });
    let stalled = 0;
    events.on('stalled', () => { stalled++; });
    await events.waitUntilReady();
    const w = worker(db);
    await w.ready;
    const job = await jobs.enqueueIngest({ db, files: [bigFile], rejects: join(tmp.dir, 'r2.csv') });
    await waitFor(async () => ((await jobs.get(job.id))?.status === 'running' ? true : undefined));
    w.proc.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    const j = await jobs.get(job.id);
    expect(j?.status).toBe('done');
    expect(stalled).toBe(0);
    await events.close();
  });

  it('two workers ingesting overlapping files at the same time lose no row and duplicate no entity', async () => {
    const rows = readFileSync(bigFile, 'utf8').trimEnd().split('\n');
    const header = rows[0]!;
    const body = rows.slice(1);
    const half = Math.floor(body.length / 2);
    const fileA = join(tmp.dir, 'a.csv');
    const fileB = join(tmp.dir, 'b.csv');
    writeFileSync(fileA, [header, ...body.slice(0, half + 2000)].join('\n'));
    writeFileSync(fileB, [header, ...body.slice(half - 2000)].join('\n'));
    const db = join(tmp.dir, 'overlap.db');
    const w1 = worker(db);
    const w2 = worker(db);
    await Promise.all([w1.ready, w2.ready]);
    const [a, b] = await Promise.all([
      jobs.enqueueIngest({ db, files: [fileA], rejects: join(tmp.dir, 'ra.csv') }),
      jobs.enqueueIngest({ db, files: [fileB], rejects: join(tmp.dir, 'rb.csv') }),
    ]);
    for (const id of [a.id, b.id]) await waitFor(async () => ((await jobs.get(id))?.status === 'done' ? true : undefined), 120_000);
    expectSameAsDirectIngest(db, bigFile);
    w1.proc.kill('SIGTERM');
    w2.proc.kill('SIGTERM');
    await Promise.all([w1.exited, w2.exited]);
  });
});

describe('BullMQ faults', () => {
  it('kill -9 a worker mid-ingest: a standby worker takes over within lock duration + stall interval, and the counts are those of an uninterrupted run', { timeout: 180_000 }, async () => {
    // Its own Redis: BullMQ runs one stall check per stall interval per queue (a `stalled-check` key
    // that lives as long as the interval of the worker that set it), so workers with the default 30 s
    // from the other tests would set the pace here.
    await withOwnRedis('redis-kill9', async (own, ownJobs) => {
      const db = join(tmp.dir, 'kill9.db');
      const lockMs = 4000;
      const stallMs = 2000;
      const fast = { CUSTOMS_GRAPH_LOCK_MS: String(lockMs), CUSTOMS_GRAPH_STALLED_MS: String(stallMs), REDIS_URL: own.url };
      const w1 = worker(db, fast);
      await w1.ready;
      const job = await ownJobs.enqueueIngest({ db, files: [bigFile], rejects: join(tmp.dir, 'rk.csv') });
      await waitFor(async () => ((await ownJobs.get(job.id))?.status === 'running' && counts(db).declarations > 0 ? true : undefined));
      const firstStart = (await ownJobs.queues.ingest.getJob(job.id))!.processedOn!;
      // A standby worker, idle until the job comes back (as in a deployment with several workers).
      const w2 = worker(db, fast);
      await w2.ready;
      expect((await ownJobs.queues.ingest.getJob(job.id))!.processedOn).toBe(firstStart);
      w1.proc.kill('SIGKILL');
      const killedAt = Date.now();
      await w1.exited;
      const retakenAt = await waitFor(async () => {
        const p = (await ownJobs.queues.ingest.getJob(job.id))?.processedOn;
        return p && p !== firstStart ? p : undefined;
      }, 60_000);
      const takeover = retakenAt - killedAt;
      process.stdout.write(`kill -9: taken over ${takeover} ms after the kill (lock ${lockMs} + stall interval ${stallMs})\n`);
      // The lock expires at most lockMs after its last renewal; the next stall check (every stallMs)
      // moves the job back to wait and the standby worker picks it up at once.
      expect(takeover).toBeLessThanOrEqual(lockMs + stallMs + 500);
      let last: unknown;
      await waitFor(async () => {
        const j = await ownJobs.get(job.id);
        last = j;
        return j?.status === 'done' ? true : undefined;
      }, 100_000).catch((err) => { throw new Error(`${(err as Error).message}: ${JSON.stringify(last)}`); });
      process.stdout.write(`kill -9: job completed ${Date.now() - killedAt} ms after the kill\n`);
      expectSameAsDirectIngest(db, bigFile);
      w2.proc.kill('SIGTERM');
      expect(await w2.exited).toBe(0);
    });
  });

  it('restarting redis-server in the middle of a queue: workers reconnect and finish every job', async () => {
    const db = join(tmp.dir, 'restart.db');
    const w = worker(db);
    await w.ready;
    const files: string[] = [];
    const body = readFileSync(smallFile, 'utf8').trimEnd().split('\n');
    for (let i = 0; i < 6; i++) {
      const f = join(tmp.dir, `part${i}.csv`);
      writeFileSync(f, [body[0], ...body.slice(1).filter((_, k) => k % 6 === i)].join('\n'));
      files.push(f);
    }
    const queued = [];
    for (const f of files) queued.push(await jobs.enqueueIngest({ db, files: [f], rejects: join(tmp.dir, 'rr.csv') }));
    await redis.stop();
    await new Promise((r) => setTimeout(r, 1500));
    await redis.start();
    for (const j of queued) await waitFor(async () => ((await jobs.get(j.id))?.status === 'done' ? true : undefined), 120_000);
    expectSameAsDirectIngest(db, smallFile);
    w.proc.kill('SIGTERM');
    await w.exited;
  });
});

describe('the API in scaled mode', () => {
  it('startAnalysis enqueues a BullMQ job whose status is readable over GraphQL', async () => {
    const db = join(tmp.dir, 'ingest.db'); // loaded by the first test
    const store = new SqliteGraphStore(db);
    const api = await startServer({
      store, keys: KeyRing.fromEnv('analyst:k'), config: { dbPath: db, phoneRegion: 'MA', defaultCurrency: 'MAD' }, logger: silentLogger, port: 0,
      jobs: new BullJobs(connectionFromUrl(redis.url)),
    });
    const w = worker(db);
    await w.ready;
    const gql = async (query: string) => ((await (await fetch(api.url, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer k' }, body: JSON.stringify({ query }),
    })).json()) as { data: Record<string, any> }).data;
    const started = (await gql('mutation { startAnalysis(seed: 11) { id status } }')).startAnalysis;
    expect(started.id).toMatch(/^Job:analysis-/);
    // Asked again while it is queued or running: the same job, not a second run.
    expect((await gql('mutation { startAnalysis(seed: 11) { id } }')).startAnalysis.id).toBe(started.id);
    expect((await jobs.queues.analysis.getJob(started.id.slice('Job:'.length)))?.data).toMatchObject({ seed: 11, db });
    const done = await waitFor(async () => {
      const j = (await gql(`{ job(id: "${started.id}") { status progress runId } }`)).job;
      return j.status === 'DONE' ? j : undefined;
    });
    expect(done.runId).toMatch(/^AnalysisRun:\d+$/);
    expect((await gql('{ currentRun { id seed } }')).currentRun).toEqual({ id: done.runId, seed: 11 });
    // Once it is done, the same parameters start a new run (the job id is not the parameters alone).
    const again = (await gql('mutation { startAnalysis(seed: 11) { id } }')).startAnalysis;
    expect(again.id).not.toBe(started.id);
    const second = await waitFor(async () => {
      const j = (await gql(`{ job(id: "${again.id}") { status runId } }`)).job;
      return j.status === 'DONE' ? j : undefined;
    });
    expect(second.runId).not.toBe(done.runId);
    w.proc.kill('SIGTERM');
    await w.exited;
    await api.close();
    await store.close();
  });
});

describe('export jobs', () => {
  it('writes a ring of the current run as GEXF through the export queue', async () => {
    const db = join(tmp.dir, 'ingest.db'); // loaded and analysed above
    const w = worker(db);
    await w.ready;
    const d = new Database(db, { readonly: true });
    const ring = d.prepare('SELECT community FROM communities WHERE run_id = (SELECT run_id FROM current_run) ORDER BY rank LIMIT 1').pluck().get() as number;
    d.close();
    const out = join(tmp.dir, 'ring.gexf');
    const job = await jobs.enqueueExport({ db, format: 'GEXF', ring, out });
    const done = await waitFor(async () => {
      const j = await jobs.get(job.id);
      return j?.status === 'done' || j?.status === 'failed' ? j : undefined;
    });
    expect(done).toMatchObject({ status: 'done', result: { out } });
    expect(readFileSync(out, 'utf8')).toContain('<gexf');

    // The same ring as the API draws it: its members and what two of them share (export/subgraph.ts).
    const json = join(tmp.dir, 'ring.json');
    const second = await jobs.enqueueExport({ db, format: 'CYTOSCAPE', ring, out: json, limit: 500 });
    await waitFor(async () => ((await jobs.get(second.id))?.status === 'done' ? true : undefined));
    const store = new SqliteGraphStore(db, { readonly: true });
    const expected = await ringSubgraph(store, (await store.getCommunity(ring))!, 500);
    await store.close();
    const written = JSON.parse(readFileSync(json, 'utf8')) as { elements: { nodes: Array<{ data: { id: string } }> } };
    expect(written.elements.nodes.map((n) => n.data.id).sort()).toEqual(expected.nodes.map((n) => n.id).sort());
    w.proc.kill('SIGTERM');
    await w.exited;
  });

  it('fails at once, without retries, on what a retry cannot mend: a ring that does not exist, a binary file', async () => {
    const db = join(tmp.dir, 'ingest.db');
    const w = worker(db);
    await w.ready;
    const binary = join(tmp.dir, 'binary.csv');
    writeFileSync(binary, Buffer.from([0, 1, 2, 3, 255, 0, 7]));
    const missing = await jobs.enqueueExport({ db, format: 'GEXF', ring: 987_654, out: join(tmp.dir, 'none.gexf') });
    const bad = await jobs.enqueueIngest({ db, files: [binary], rejects: join(tmp.dir, 'binary-rejects.csv') });
    for (const [queue, id, reason] of [[jobs.queues.export, missing.id, /no ring 987654/], [jobs.queues.ingest, bad.id, /binary|UTF-8|empty/i]] as const) {
      const failed = await waitFor(async () => ((await jobs.get(id))?.status === 'failed' ? jobs.get(id) : undefined));
      expect(failed).toMatchObject({ status: 'failed', error: expect.stringMatching(reason) });
      // DEFAULT_JOB_OPTIONS allow 3 attempts: an input error takes one.
      expect((await queue.getJob(id))!.attemptsMade).toBe(1);
    }
    w.proc.kill('SIGTERM');
    await w.exited;
  });
});

describe('worker start-up', () => {
  it('schedules periodic re-analysis from CUSTOMS_GRAPH_ANALYSIS_CRON, and the scheduled runs become current', { timeout: 120_000 }, async () => {
    await withOwnRedis('redis-cron', async (own, ownJobs) => {
      const db = join(tmp.dir, 'cron.db');
      expect(runCli(['ingest', smallFile, '--db', db, '--json']).status).toBe(0);
      const w = worker(db, { REDIS_URL: own.url, CUSTOMS_GRAPH_ANALYSIS_CRON: '*/3 * * * * *' });
      await w.ready;
      const schedulers = await ownJobs.queues.analysis.getJobSchedulers();
      expect(schedulers).toHaveLength(1);
      expect(schedulers[0]).toMatchObject({ key: 'periodic-analysis', pattern: '*/3 * * * * *' });
      const done = await waitFor(async () => {
        const [j] = await ownJobs.queues.analysis.getJobs(['completed'], 0, 0);
        return j?.returnvalue?.runId ? j : undefined;
      }, 60_000);
      expect(done.data).toMatchObject({ db, seed: 42 });
      const d = new Database(db, { readonly: true });
      const current = d.prepare('SELECT run_id FROM current_run').pluck().get();
      const runs = d.prepare('SELECT COUNT(*) FROM analysis_runs WHERE status = ?').pluck().get('done') as number;
      d.close();
      expect(runs).toBeGreaterThanOrEqual(1);
      expect(current).toBeGreaterThanOrEqual(Number(done.returnvalue.runId));
      // A second worker with the same cron updates the one scheduler instead of adding another.
      const w2 = worker(db, { REDIS_URL: own.url, CUSTOMS_GRAPH_ANALYSIS_CRON: '*/3 * * * * *' });
      await w2.ready;
      expect(await ownJobs.queues.analysis.getJobSchedulers()).toHaveLength(1);
      for (const x of [w, w2]) x.proc.kill('SIGTERM');
      expect(await w.exited).toBe(0);
      expect(await w2.exited).toBe(0);
    });
  });

  it('warns at start when Redis may evict keys (maxmemory-policy other than noeviction), and not otherwise', async () => {
    await withOwnRedis('redis-lru', async (lru) => {
      const db = join(tmp.dir, 'warn.db');
      const bad = worker(db, { REDIS_URL: lru.url });
      await bad.ready;
      const good = worker(db);
      await good.ready;
      for (const x of [bad, good]) x.proc.kill('SIGTERM');
      await Promise.all([bad.exited, good.exited]);
      expect(bad.stderr()).toMatch(/maxmemory-policy is allkeys-lru: set it to noeviction/);
      expect(good.stderr()).not.toMatch(/maxmemory-policy/);
    }, { maxmemoryPolicy: 'allkeys-lru' });
  });

  it('makes a queue, and its Redis connection, only when it is used, and closes only those', async () => {
    await withOwnRedis('redis-lazy', async (own, ownJobs) => {
      // Clients connected to this Redis, other than the redis-cli asking.
      const clients = () => spawnSync('redis-cli', ['-p', String(own.port), 'CLIENT', 'LIST'], { encoding: 'utf8' }).stdout.trim().split('\n').length - 1;
      expect(clients()).toBe(0);
      await ownJobs.scheduleAnalysis('0 3 * * *', { db: 'x.db', seed: 42, resolution: 1 });
      expect(clients()).toBe(1);
      const scheduler = new BullJobs(connectionFromUrl(own.url));
      await scheduler.scheduleAnalysis('0 4 * * *', { db: 'x.db', seed: 42, resolution: 1 });
      expect(clients()).toBe(2);
      await scheduler.close();
      expect(clients()).toBe(1);
      // Listing reads every queue: all four are made then.
      await ownJobs.list({ offset: 0, limit: 10 });
      expect(clients()).toBe(4);
      // Once closed, a queue never made is not made (its connection would be left open).
      const closed = new BullJobs(connectionFromUrl(own.url));
      await closed.close();
      expect(() => closed.queues.export).toThrow(/closed/);
      expect(clients()).toBe(4);
    });
  });

  it('queues closed while their connections are still being set up do not crash the process (a worker scheduling periodic jobs at start)', () => {
    // Before closes waited for the set-up, every run of this crashed within its rounds ("Connection is closed").
    const r = spawnSync(process.execPath, [join(ROOT, 'test', 'fixtures', 'close-queues-early.js'), redis.url, '300'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).not.toMatch(/Connection is closed/);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('closed 300\n');
  });

  it('SIGTERM as soon as a worker says it is ready: it stops at once and cleanly (exit 0, no connection error)', async () => {
    const db = join(tmp.dir, 'early.db');
    const ws = [worker(db), worker(db), worker(db)];
    // Seen before the fix: killed by the signal (handler not yet installed), a crash on a connection
    // still initialising, or a 30 s wait on it.
    const stopMs = await Promise.all(ws.map(async (w) => {
      await w.ready;
      const t = Date.now();
      w.proc.kill('SIGTERM');
      expect(await w.exited).toBe(0);
      return Date.now() - t;
    }));
    expect(Math.max(...stopMs)).toBeLessThan(5000);
    for (const w of ws) expect(w.stderr()).not.toMatch(/Connection is closed/);
  });
});
