import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { PARTY_INDEXES } from '../src/store/sqlite/migrations';
import { storeContract } from './store-contract';
import { batchOf, row, tempDir } from './helpers';

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
  it('uses WAL and records its schema version', async () => {
    const t = tempDir();
    const store = new SqliteGraphStore(join(t.dir, 's.db'));
    await store.migrate();
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.schemaVersion()).toBe(3);
    await store.close();
    t.cleanup();
  });

  it('rebuilds secondary indexes a killed bulk load left out', async () => {
    const t = tempDir();
    const path = join(t.dir, 's.db');
    const store = new SqliteGraphStore(path);
    await store.migrate();
    await store.writeBatch(batchOf([row()]));
    for (const idx of PARTY_INDEXES) store.db.exec(`DROP INDEX ${idx.name}`);
    await store.close();
    const reopened = new SqliteGraphStore(path);
    await reopened.migrate();
    const names = (reopened.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").pluck().all() as string[]);
    for (const idx of PARTY_INDEXES) expect(names).toContain(idx.name);
    await reopened.close();
    t.cleanup();
  });

  it('keeps memory bounded: the id cache restarts and ids are read back', async () => {
    const t = tempDir();
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
    t.cleanup();
  });
});
