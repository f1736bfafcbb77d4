/** Opening the SQLite file, its schema migrations and deferred indexes, and long reads on a connection of their own. */
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { searchName } from '../../domain/normalize';
import { UsageError } from '../../util/errors';
import { AUTOCHECKPOINT_PAGES, checkpointAside } from './checkpoint-aside';
import { DEFERRED_INDEXES, MIGRATIONS } from './migrations';

/**
 * Switches a new store to WAL. The switch needs the file to itself and SQLite does not wait for
 * that (busy_timeout does not apply), so processes opening a new store at once retry for a while.
 */
function useWal(db: Database.Database): void {
  const until = Date.now() + 10_000;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > until) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

/** The files SQLite keeps beside a database: its log and shared memory (WAL mode), or its rollback journal. */
export const SIDE_FILES: readonly string[] = ['-wal', '-shm', '-journal'];

/** SQLite's files beside a database and the analysis cache (sqlite/declaration-input.ts): what goes with the store. */
export const FILES_BESIDE: readonly string[] = [...SIDE_FILES, '.analysis-cache'];

/** Removes a store: the database and the files beside it. */
export function removeStoreFiles(path: string): void {
  for (const suffix of ['', ...FILES_BESIDE]) rmSync(path + suffix, { force: true });
}

export function openDatabase(path: string, opts: { readonly?: boolean } = {}): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: opts.readonly ?? false });
    db.pragma('busy_timeout = 10000');
    if (!opts.readonly) {
      useWal(db);
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('cache_size = -32768'); // 32 MiB page cache
    return db;
  } catch (err) {
    db?.close();
    // A folder that does not exist, a file that is not a store: name the path, not SQLite's code.
    if ((err as { code?: string }).code === 'SQLITE_BUSY') throw err;
    throw new UsageError(`cannot open the store ${resolve(path)}: ${(err as Error).message}`);
  }
}

export function migrate(db: Database.Database): void {
  // Migrations that fill a column computed in JavaScript call it by name.
  db.function('search_name', { deterministic: true }, (name: unknown) => searchName(String(name ?? '')));
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version),
  );
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').pluck();
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      // Another process (a second worker on the same new store) may have applied it meanwhile.
      if (isApplied.get(m.version)) return;
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
        .run(m.version, m.name, new Date().toISOString());
    }).immediate();
  }
  ensureIndexes(db);
}

/** Builds any secondary index that is missing (after a bulk load, or one that was killed). */
export function ensureIndexes(db: Database.Database): void {
  for (const idx of DEFERRED_INDEXES) db.exec(idx.sql);
}

export function schemaVersion(db: Database.Database): number {
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}

/**
 * Fewer, larger checkpoints during a large write (each one copies the WAL into the file and
 * syncs), or, with `pages` 0, none until the write ends and then one that waits for nobody, on a
 * thread of its own (a run's write-back: its rows are invisible until the run is made current
 * anyway, and the run goes on meanwhile).
 */
export async function spacedCheckpoints<T>(db: Database.Database, work: () => T | Promise<T>, pages = 20_000): Promise<T> {
  db.pragma(`wal_autocheckpoint = ${pages}`);
  try {
    return await work();
  } finally {
    if (pages === 0) checkpointAside(db);
    else db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
  }
}

/** Runs `read` on a read-only connection of its own, so a long stream never blocks writers or readers. */
export async function* withReader<T>(path: string, read: (db: Database.Database) => Iterable<T> | AsyncIterable<T>): AsyncIterable<T> {
  const reader = new Database(path, { readonly: true });
  try {
    yield* read(reader);
  } finally {
    reader.close();
  }
}

/** Rows of a query on a reader of its own, as arrays (half the cost of row objects), mapped by `map`, in batches. */
export function streamQuery<T>(path: string, sql: string, batchSize: number, map: (row: unknown[]) => T): AsyncIterable<T[]> {
  return withReader(path, function* (db) {
    let batch: T[] = [];
    for (const row of db.prepare(sql).raw(true).iterate() as IterableIterator<unknown[]>) {
      batch.push(map(row));
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  });
}
