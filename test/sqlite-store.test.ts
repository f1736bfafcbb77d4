import { describe, expect, it, onTestFinished } from 'vitest';
import { join } from 'node:path';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { MIGRATIONS, DEFERRED_INDEXES } from '../src/store/sqlite/migrations';
import { storeContract } from './store-contract';
import { analysedSyntheticStore, batchOf, ingestInto, ROOT, row, tempDir } from './helpers';
import type { EntityKind } from '../src/domain/entities';
import { scoreList } from '../src/domain/results';
import { spawn, spawnSync } from 'node:child_process';
import type { EntityLink } from '../src/store/analysis-source';
import { loadEntityGraph } from '../src/analysis/graph/projection';
import { generateSynthetic } from '../src/synth/generate';

let tmp: ReturnType<typeof tempDir> | undefined;
storeContract('sqlite', {
  async create() {
    tmp = tempDir('cg-store-');
    const store = new SqliteGraphStore(join(tmp.dir, 'store.db'), { bulkThreshold: 1 });
    await store.migrate();
    return store;
  },
  async cleanup() {
    tmp?.cleanup();
  },
});

describe('SQLite store specifics', () => {
  it('checkpoints a run\'s write-back on a thread of its own: the run goes on, and the store closes once the log is in its file', () => {
    const t = tempDir();
    onTestFinished(t.cleanup);
    const r = spawnSync(process.execPath, [join(ROOT, 'test', 'fixtures', 'checkpoint-aside.js'), join(t.dir, 'aside.db')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { returned: { autocheckpoint: number; fileGrew: boolean; walBytes: number }; closed: { fileGrewBy: number; wal: number } };
    // When the write returns, its 60 MB are in the log, not yet in the file, and this connection checkpoints nothing meanwhile.
    expect(out.returned).toEqual({ autocheckpoint: 0, fileGrew: false, walBytes: expect.any(Number) });
    expect(out.returned.walBytes).toBeGreaterThan(50e6);
    // Closed: all of it in the file, the log gone.
    expect(out.closed.fileGrewBy).toBeGreaterThan(50e6);
    expect(out.closed.wal).toBe(0);
  });

  it('aggregates trader–counterpart links exactly as GROUP BY would, in the same order', async () => {
    const t = tempDir();
    onTestFinished(t.cleanup); // removed whether the test passes or fails
    const synth = await generateSynthetic(join(t.dir, 'synth'), { traders: 300, seed: 4 });
    const store = new SqliteGraphStore(join(t.dir, 's.db'));
    await store.migrate();
    await ingestInto(store, [synth.declarationsFile], t.dir);
    const links: EntityLink[] = [];
    for await (const batch of store.streamEntityGraph(500)) for (const l of batch) if (['CONSIGNED_TO', 'SUPPLIED_BY', 'DECLARED_BY', 'CARRIED_BY', 'ROUTED_VIA'].includes(l.type)) links.push(l);
    const expected: Array<[string, string, string, number, number]> = [];
    for (const [rel, col] of [['CONSIGNED_TO', 'consignee_ref'], ['SUPPLIED_BY', 'supplier_ref'], ['DECLARED_BY', 'broker_ref'], ['CARRIED_BY', 'carrier_ref'], ['ROUTED_VIA', 'route_ref']]) {
      for (const [s, d, c, v] of store.db.prepare(`SELECT trader_ref, ${col}, COUNT(*), SUM(declared_value) FROM declarations
        WHERE ${col} IS NOT NULL GROUP BY trader_ref, ${col} ORDER BY trader_ref, ${col}`).raw().all() as Array<[number, number, number, number]>) {
        expected.push([rel!, String(s), String(d), c, v]);
      }
    }
    expect(expected.length).toBeGreaterThan(1000);
    expect(links.map((l) => [l.type, l.source, l.target, l.count])).toEqual(expected.map((e) => e.slice(0, 4)));
    links.forEach((l, i) => expect(l.value).toBeCloseTo(expected[i]![4], 6));
    await store.close();
  });

  it('gives the entity graph in columns that project to the graph its link objects project to', async () => {
    const t = tempDir();
    onTestFinished(t.cleanup);
    const synth = await generateSynthetic(join(t.dir, 'synth'), { traders: 300, seed: 4 });
    const store = new SqliteGraphStore(join(t.dir, 's.db'));
    await store.migrate();
    await ingestInto(store, [synth.declarationsFile], t.dir);
    // The projection reads the columns (the embedded store has them); a store without them gives objects.
    const fromColumns = await loadEntityGraph(store);
    const fromObjects = await loadEntityGraph(Object.assign(Object.create(store) as SqliteGraphStore, { streamEntityGraphColumns: undefined }));
    expect(fromColumns.m).toBeGreaterThan(1000);
    expect(new Set(fromColumns.rel).size).toBeGreaterThan(5); // declaration and identifier links both
    for (const k of ['n', 'm', 'ids', 'kinds', 'src', 'dst', 'rel', 'count', 'value'] as const) expect(fromColumns[k], k).toEqual(fromObjects[k]);
    await store.close();
  });

  it('several processes opening a new store at the same moment migrate it once, and none fails', async () => {
    const t = tempDir();
    onTestFinished(t.cleanup); // removed whether the test passes or fails
    const db = join(t.dir, 'new.db');
    // Each process loads the (built) store, then waits for the same instant to open and migrate.
    const at = Date.now() + 2500;
    const script = `const { SqliteGraphStore } = require(${JSON.stringify(join(ROOT, 'dist', 'src', 'store', 'sqlite', 'sqlite-store.js'))});
      while (Date.now() < ${at});
      const s = new SqliteGraphStore(${JSON.stringify(db)}); s.migrateSync(); s.db.close();`;
    const results = await Promise.all(Array.from({ length: 6 }, () => new Promise<{ code: number | null; err: string }>((resolve) => {
      const p = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (b: Buffer) => { err += b.toString(); });
      p.on('exit', (code) => resolve({ code, err }));
    })));
    expect(results.filter((r) => r.code !== 0).map((r) => r.err.split('\n').find((l) => /Error/.test(l)))).toEqual([]);
    const store = new SqliteGraphStore(db, { readonly: true });
    expect(store.db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all()).toEqual(MIGRATIONS.map((m) => m.version));
    store.db.close();
  });

  it('uses WAL and records its schema version', async () => {
    const t = tempDir();
    onTestFinished(t.cleanup); // removed whether the test passes or fails
    const store = new SqliteGraphStore(join(t.dir, 's.db'));
    await store.migrate();
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.schemaVersion()).toBe(MIGRATIONS.at(-1)!.version);
    await store.close();
  });

  it('rebuilds secondary indexes a killed bulk load left out', async () => {
    const t = tempDir();
    onTestFinished(t.cleanup); // removed whether the test passes or fails
    const path = join(t.dir, 's.db');
    const store = new SqliteGraphStore(path);
    await store.migrate();
    await store.writeBatch(batchOf([row()]));
    for (const idx of DEFERRED_INDEXES) store.db.exec(`DROP INDEX ${idx.name}`);
    await store.close();
    const reopened = new SqliteGraphStore(path);
    await reopened.migrate();
    const names = (reopened.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").pluck().all() as string[]);
    for (const idx of DEFERRED_INDEXES) expect(names).toContain(idx.name);
    await reopened.close();
  });

  it('a bulk load builds the read-only indexes after its rows, and the id cache spans its batches', async () => {
    const t = tempDir();
    onTestFinished(t.cleanup); // removed whether the test passes or fails
    const store = new SqliteGraphStore(join(t.dir, 's.db'), { bulkThreshold: 1 });
    await store.migrate();
    const indexes = () => new Set(store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").pluck().all() as string[]);
    let during = new Set<string>();
    await store.bulk(10, async () => {
      await store.writeBatch(batchOf([row({ declaration_id: 'D1', trader_id: 'T1', trader_phone: '0661234567' })]));
      // Written in a batch of its own: the trader and phone ids come from the cache or the store.
      await store.writeBatch(batchOf([row({ declaration_id: 'D2', trader_id: 'T1', trader_phone: '0661234567' })]));
      during = indexes();
    });
    for (const idx of DEFERRED_INDEXES) {
      expect(during.has(idx.name)).toBe(false);
      expect(indexes().has(idx.name)).toBe(true);
    }
    const refs = store.db.prepare('SELECT DISTINCT trader_ref FROM declarations').pluck().all();
    expect(refs).toHaveLength(1);
    expect((await store.counts()).entities.Phone).toBe(1);
    await store.close();
  });

  it('keeps memory bounded: ids that left the cache are read back', async () => {
    const t = tempDir();
    onTestFinished(t.cleanup); // removed whether the test passes or fails
    const store = new SqliteGraphStore(join(t.dir, 's.db'), { cacheSize: 3 });
    await store.migrate();
    const rows = Array.from({ length: 10 }, (_, i) => row({ declaration_id: `D${i}`, trader_id: `T${i % 4}`, supplier_id: `S${i}` }));
    await store.writeBatch(batchOf(rows));
    await store.writeBatch(batchOf(rows));
    const c = await store.counts();
    expect(c.entities.Trader).toBe(4);
    expect(c.entities.Supplier).toBe(10);
    expect(c.declarations).toBe(10);
    await store.close();
  });
});

describe('entity ranks', () => {
  it('give each kind\'s entities by risk, then id, after a run and after migrating a store that had none', async () => {
    const t = tempDir();
    try {
      const { store } = await analysedSyntheticStore(t.dir, 'ranks.db', { traders: 150, seed: 4 });
      const run = Number(await store.currentRunId());
      const direct = (kind: string) => store.db.prepare('SELECT entity_id FROM entity_scores WHERE run_id = ? AND kind = ? ORDER BY risk DESC, entity_id')
        .pluck().all(run, kind).map(String);
      const ranked = async (kind: EntityKind) => (await store.topEntities({ kind, limit: 1_000_000 })).map((s) => s.entityId);
      const kinds: EntityKind[] = ['Trader', 'Supplier', 'Consignee', 'Broker', 'Address'];
      const want = Object.fromEntries(kinds.map((kind) => [kind, direct(kind)]));
      for (const kind of kinds) expect(await ranked(kind)).toEqual(want[kind]);
      expect(want.Trader!.length).toBeGreaterThan(100);
      const risks = (await store.topEntities({ kind: 'Trader', limit: 1_000_000 })).map((s) => s.risk);
      expect(risks).toEqual([...risks].sort((a, b) => b - a));

      // A store from before the ranks (schema 3): the migration ranks its runs.
      store.db.exec(`DROP TABLE entity_ranks; CREATE INDEX entity_scores_by_risk ON entity_scores (run_id, kind, risk DESC);
        DELETE FROM schema_migrations WHERE version = 4`);
      const path = store.db.name;
      await store.close();
      const reopened = new SqliteGraphStore(path);
      await reopened.migrate();
      expect(reopened.db.prepare('SELECT 1 FROM schema_migrations WHERE version = 4').pluck().get()).toBe(1); // the ranks' migration ran again
      for (const kind of kinds) expect((await reopened.topEntities({ kind, limit: 1_000_000 })).map((s) => s.entityId)).toEqual(want[kind]);
      await reopened.close();
    } finally {
      t.cleanup();
    }
  });

  it('are numbered on across the write-back\'s transactions (more scores than one holds), from a list read by position', async () => {
    const t = tempDir();
    try {
      const store = new SqliteGraphStore(join(t.dir, 'many.db'));
      await store.migrate();
      // 60,000 scores, two kinds interleaved, risks with ties (broken by id), ids out of order.
      const n = 60_000;
      const scores = Array.from({ length: n }, (_, k) => ({
        entityId: String((k * 7919) % n + 1), kind: (k % 3 === 0 ? 'Broker' : 'Trader') as EntityKind, risk: (k % 1000) / 1000,
        pagerank: 0, ppr: 0, seizures: 0, knownBad: false, signals: [],
      }));
      const run = await store.beginRun({ seed: 1, params: {}, startedAt: '2025-01-01T00:00:00Z' });
      await store.writeRunResults(run, { scores: scoreList(scores), communities: [], categories: [] });
      for (const kind of ['Broker', 'Trader']) {
        const want = scores.filter((sc) => sc.kind === kind).sort((a, b) => b.risk - a.risk || Number(a.entityId) - Number(b.entityId)).map((sc) => Number(sc.entityId));
        const got = store.db.prepare('SELECT rank, entity_id FROM entity_ranks WHERE run_id = ? AND kind = ? ORDER BY rank').all(Number(run), kind) as Array<{ rank: number; entity_id: number }>;
        expect(got.map((r) => r.rank)).toEqual(want.map((_, k) => k + 1));
        expect(got.map((r) => r.entity_id)).toEqual(want);
      }
      expect(store.db.prepare('SELECT count(*) FROM entity_scores WHERE run_id = ?').pluck().get(Number(run))).toBe(n);
      await store.close();
    } finally {
      t.cleanup();
    }
  });
});

describe('migration 5 (run model)', () => {
  it('moves a run\'s fitted declaration model and medians out of its parameters into the model column', async () => {
    const t = tempDir();
    onTestFinished(t.cleanup);
    const path = join(t.dir, 'old.db');
    const store = new SqliteGraphStore(path);
    await store.migrate();
    // A store from before migration 5: the model lived in the run's params.
    const declarationModel = { features: ['trader_risk', 'history:hs6'], model: { bias: -3, weights: [3, 0.3] }, source: 'fitted' };
    const medians = { '610910|MAD': 4.25 };
    store.db.exec('ALTER TABLE analysis_runs DROP COLUMN model; DELETE FROM schema_migrations WHERE version = 5');
    store.db.prepare(`INSERT INTO analysis_runs (id, started_at, finished_at, status, seed, params, timings, counts) VALUES (7, '2025-01-01', '2025-01-01', 'done', 42, ?, '{}', '{}')`)
      .run(JSON.stringify({ seed: 42, resolution: 1, riskWeights: { bias: -4 }, declarationModel, medians, cutoff: '2025-01-01' }));
    store.db.exec('INSERT INTO current_run (singleton, run_id) VALUES (1, 7)');
    await store.close();

    const reopened = new SqliteGraphStore(path);
    await reopened.migrate();
    const run = (await reopened.currentRun())!;
    expect(run.model).toEqual({ declarationModel, medians });
    expect(run.params).toEqual({ seed: 42, resolution: 1, riskWeights: { bias: -4 }, cutoff: '2025-01-01' });
    await reopened.close();
  });
});
