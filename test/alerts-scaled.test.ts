/**
 * No alert twice for one change when the analysis job is retried after a kill -9 of its BullMQ
 * worker (real redis-server, worker processes of the CLI): the worker dies after the run became
 * current and part of its alerts were stored; another worker takes the stalled job over, raises
 * the rest and runs again, and every change is stored exactly once.
 */
import Database from 'better-sqlite3';
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { webhookBody } from '../src/alerts/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullJobs, connectionFromUrl } from '../src/jobs/bullmq';
import type { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { analysedSyntheticStore, tempDir } from './helpers';
import { startRedis, type TestRedis } from './redis';
import { spawnWorker, until } from './workers';

const tmp = tempDir('cg-alerts-scaled-');
let redis: TestRedis;
let store: SqliteGraphStore;
let jobs: BullJobs;
const WATCHES = 300;

function alertRows(db: string): Array<{ key: string; type: string }> {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare('SELECT key, type FROM alerts').all() as Array<{ key: string; type: string }>;
  } finally {
    d.close();
  }
}

beforeAll(async () => {
  redis = await startRedis(join(tmp.dir, 'redis'));
  ({ store } = await analysedSyntheticStore(tmp.dir, 'scaled.db', { traders: 150, seed: 9 }));
  // 300 watches that the next run will find changed (their snapshot is not what the store holds):
  // more alerts than one slice of the raise (200), so the kill falls between two slices.
  const run = (await store.currentRunId())!;
  const traders = await store.topEntities({ limit: WATCHES });
  expect(traders).toHaveLength(WATCHES);
  for (const t of traders) await store.addWatch({ kind: 'entity', ref: t.entityId, who: 'desk-1', at: new Date().toISOString(), seen: { run, risk: -1, declarations: -1 } });
  jobs = new BullJobs(connectionFromUrl(redis.url));
}, 180_000);

afterAll(async () => {
  await jobs?.close();
  await store?.close();
  await redis?.stop();
  tmp.cleanup();
});

describe('alerts when the analysis worker is killed with kill -9', () => {
  it('are each stored once after the job is retried by another worker', async () => {
    const db = store.path;
    const job = await jobs.enqueueAnalysis({ db, seed: 42, resolution: 1 });
    // Dies (the worker and its sandboxed job, SIGKILL) after the first slice of alerts is stored.
    const doomed = spawnWorker(db, redis.url, { queues: 'analysis', env: { CUSTOMS_GRAPH_FAILPOINT: 'alerts-raised-partly' } });
    expect(await doomed.exited).toBeNull(); // killed by a signal
    const partial = alertRows(db);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(WATCHES);
    const current = (await store.currentRunId())!;
    expect((await store.getAlertPass(current))?.raisedAt).toBeUndefined();

    const rescuer = spawnWorker(db, redis.url, { queues: 'analysis' });
    try {
      await until(async () => (await jobs.get(job.id))?.status === 'done', 120_000);
    } finally {
      rescuer.proc.kill('SIGTERM');
    }
    const done = await jobs.get(job.id);
    // The retried job raised the killed run's remaining alerts, then ran again: nothing changed since, nothing new.
    expect(done).toMatchObject({ status: 'done', result: { alertsRaised: 0 } });
    const rows = alertRows(db);
    expect(rows).toHaveLength(WATCHES);
    expect(new Set(rows.map((r) => r.key)).size).toBe(WATCHES);
    expect(rows.every((r) => r.type === 'watch')).toBe(true);
    expect((await store.getAlertPass(current))?.raisedAt).toBeDefined();
    // Each watch got exactly one alert, for the run that changed it.
    const watches = await store.listWatches();
    for (const w of watches) expect(rows.filter((r) => r.key === `watch:${w.id}:${current}`)).toHaveLength(1);
  }, 240_000);
});

describe('webhooks in the scaled mode', () => {
  it('are delivered by a worker of the deliver queue, signed, again after the receiver answered 500', async () => {
    const got: Array<{ status: number; body: string; signature: string; at: number }> = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        const status = got.length < 2 ? 500 : 204;
        got.push({ status, body, signature: String(req.headers['x-customs-graph-signature']), at: Date.now() });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const hooks = join(tmp.dir, 'hooks.json');
    const secret = 'scaled-mode-webhook-secret';
    writeFileSync(hooks, JSON.stringify([{ subscriber: 'desk-1', url: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/in`, secret }]));
    const [alert] = await store.listAlerts({ limit: 1 });
    const w = spawnWorker(store.path, redis.url, { queues: 'deliver', env: { CUSTOMS_GRAPH_WEBHOOKS: hooks, CUSTOMS_GRAPH_WEBHOOK_BACKOFF_MS: '200' } });
    try {
      await w.ready;
      const payload = { subscriber: 'desk-1', alertId: alert!.id, body: webhookBody(alert!) };
      const job = await jobs.enqueueWebhook(payload);
      // The same alert for the same subscriber again (a second API server): the same job.
      expect((await jobs.enqueueWebhook(payload)).id).toBe(job.id);
      await until(async () => (await jobs.get(job.id))?.status === 'done', 30_000);
    } finally {
      w.proc.kill('SIGTERM');
      await new Promise((r) => receiver.close(r));
    }
    expect(got.map((g) => g.status)).toEqual([500, 500, 204]);
    for (const g of got) {
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(g.signature)!;
      expect(createHmac('sha256', secret).update(`${t}.${g.body}`).digest('hex')).toBe(v1);
      expect(JSON.parse(g.body).alert.id).toBe(`Alert:${alert!.id}`);
    }
    // Backoff: 200 ms, then 400 ms.
    expect(got[1]!.at - got[0]!.at).toBeGreaterThanOrEqual(150);
    expect(got[2]!.at - got[1]!.at).toBeGreaterThanOrEqual(350);
  }, 60_000);
});
