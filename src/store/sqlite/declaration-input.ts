/**
 * A run's declarations from the embedded store: every one read from SQLite (and the analysis cache
 * written as they are read), or the analysis cache with the declarations added and changed since
 * it was made read in their place (cache-patch.ts). Either way the scan gets the same batches for
 * the same data (cache-rows.ts makes both).
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { DeclarationColumns, DeclarationInput, DeclarationReading } from '../analysis-source';
import type { IdNumbers } from '../../util/id-numbers';
import { coverageOf, linkColumns, patchedColumn, patchedRows, readPatch, type Patch } from './cache-patch';
import { perDayOf, scanBatches, storeRows } from './cache-rows';
import { openDatabase, withReader } from './connection';
import { CacheWriter, newTables, openCache, type CacheCoverage, type DeclarationRows, type OpenedCache, type Tables } from './declaration-cache';

/** The analysis cache's file beside a store. */
export const cachePath = (storePath: string) => `${storePath}.analysis-cache`; // one of FILES_BESIDE (connection.ts)

export class SqliteDeclarationInputs {
  constructor(private readonly db: Database.Database, private readonly path: string, private readonly perDay: () => Promise<Array<{ day: string; count: number }>>) {}

  async open(opts: { full: boolean }): Promise<DeclarationInput> {
    if (opts.full) return this.full('asked for (analyze --full)');
    const opened = openCache(cachePath(this.path));
    if ('unreadable' in opened) return this.full(opened.unreadable);
    const recorded = recordedToken(this.db);
    if (recorded !== opened.coverage.token) {
      opened.close();
      return this.full('the analysis cache was made from another copy of this store');
    }
    const reader = openDatabase(this.path, { readonly: true });
    let patch: Patch | { full: string };
    try {
      patch = reader.transaction(() => readPatch(reader, opened))();
    } catch (err) {
      opened.close();
      throw err;
    } finally {
      reader.close();
    }
    if ('full' in patch) {
      opened.close();
      return this.full(patch.full);
    }
    return this.incremental(opened, patch);
  }

  /** Every declaration from SQLite, written into a new cache as it is read. */
  private full(reason: string): DeclarationInput {
    // Changes are noted from now on (a store that never had a cache notes none): those made while
    // this reading runs are then read by the next run.
    this.db.prepare("INSERT OR IGNORE INTO analysis_cache (id, token, max_id, last_seq) VALUES (1, '', 0, 0)").run();
    const recorded = recordedToken(this.db)!;
    const reading: DeclarationReading = { mode: 'full', reason, fromStore: 0, fromCache: 0 };
    const keeping = new Keeping(this.path, reading, recorded);
    const path = this.path;
    return {
      reading,
      declarationsPerDay: this.perDay,
      streamDeclarationColumns: (numbers, batchSize = 2_000) => withReader(path, function* (db) {
        // One read transaction: the count, the coverage and the ranges see one snapshot.
        db.exec('BEGIN');
        try {
          const rows = db.prepare('SELECT COUNT(*) FROM declarations').pluck().get() as number;
          const tables = newTables();
          for (const batch of keeping.asRead(storeRows(db, batchSize, tables), rows, tables, coverageOf(db, randomUUID()), numbers)) {
            reading.fromStore += batch.length;
            yield batch;
          }
        } finally {
          db.exec('COMMIT');
        }
      }),
      keep: async () => keeping.record(this.db),
      // The read transaction closes with the stream (its finally), and the cache being written unless finished.
      release: () => keeping.discard(),
    };
  }

  /**
   * The cache with the declarations added and changed since read in their place, a range of rows
   * at a time, written into a new cache as they go (when anything changed). Only the columns the
   * graph's projection reads are held whole (shared with the graph thread).
   */
  private incremental(opened: OpenedCache, patch: Patch): DeclarationInput {
    const { changed, appended } = patch;
    const total = opened.rows + appended.length;
    const reading: DeclarationReading = { mode: 'incremental', fromStore: changed.length + appended.length, fromCache: opened.rows - changed.length };
    // Nothing new: the cache there is this one, and stays.
    const keeping = changed.length + appended.length > 0 ? new Keeping(this.path, reading, opened.coverage.token) : undefined;
    let perDay: Array<{ day: string; count: number }>;
    try {
      perDay = perDayOf(patchedColumn(opened, patch, 'lodged'), total, opened.tables);
    } catch (err) {
      opened.close();
      throw err;
    }
    return {
      reading,
      linkColumns: () => linkColumns(opened, patch),
      declarationsPerDay: async () => perDay,
      async *streamDeclarationColumns(numbers, batchSize = 2_000) {
        try {
          const rows = patchedRows(opened, patch, batchSize);
          yield* keeping ? keeping.asRead(rows, total, opened.tables, patch.coverage, numbers) : scanBatches(rows, opened.tables, numbers);
        } finally {
          opened.close();
        }
      },
      keep: async () => keeping?.record(this.db),
      release: () => {
        opened.close();
        keeping?.discard();
      },
    };
  }
}

/** The token of the cache the store records (none before its first reading). */
function recordedToken(db: Database.Database): string | undefined {
  return db.prepare('SELECT token FROM analysis_cache WHERE id = 1').pluck().get() as string | undefined;
}

/** Rows, each written to the cache being made (if any) as it is taken. */
function* appendedTo(writer: CacheWriter | undefined, rows: Iterable<DeclarationRows>): Generator<DeclarationRows> {
  for (const batch of rows) {
    writer?.append(batch);
    yield batch;
  }
}

/**
 * The next cache, written from a reading's rows as the scan takes them, and put in place and
 * recorded in the store once the scan is done, unless another run recorded its own since this one
 * began (two runs of one store at once): the file in place and the cache the store records are
 * then always the same one, and the changes the store lets go of are those that one covers. Where
 * the file cannot be made (a folder the run may not write to), the run goes on, says why in its
 * reading, and the next run reads everything again.
 */
class Keeping {
  /** The file written whole, waiting to be recorded. */
  private finished: { writer: CacheWriter; coverage: CacheCoverage } | undefined;

  /** `startToken`: the cache the store recorded when this reading began. */
  constructor(private readonly storePath: string, private readonly reading: DeclarationReading, private readonly startToken: string) {}

  *asRead(rows: Iterable<DeclarationRows>, count: number, tables: Tables, coverage: CacheCoverage, numbers: IdNumbers): Generator<DeclarationColumns> {
    let writer: CacheWriter | undefined;
    try {
      writer = new CacheWriter(cachePath(this.storePath), count, tables);
    } catch (err) {
      this.reading.cacheNotWritten = (err as Error).message;
    }
    let finished = false;
    try {
      yield* scanBatches(appendedTo(writer, rows), tables, numbers);
      writer?.finish(coverage);
      finished = true;
      if (writer) this.finished = { writer, coverage };
    } finally {
      // A scan that failed or stopped early leaves no file behind.
      if (!finished) writer?.abort();
    }
  }

  /** Puts the file in place and records it, and lets go of the changes it covers; or removes it when another run came first. */
  record(db: Database.Database): void {
    const done = this.finished;
    if (!done) return;
    this.finished = undefined;
    let installed = false;
    try {
      db.transaction(() => {
        // Under the store's write lock: no other run records between this look and this record.
        if (recordedToken(db) !== this.startToken) return;
        done.writer.install();
        installed = true;
        const { token, maxId, lastSeq } = done.coverage;
        db.prepare('INSERT OR REPLACE INTO analysis_cache (id, token, max_id, last_seq) VALUES (1, ?, ?, ?)').run(token, maxId, lastSeq);
        db.prepare('DELETE FROM declaration_changes WHERE seq <= ?').run(lastSeq);
      }).immediate();
      if (!installed) this.reading.cacheNotWritten = 'another run recorded its cache first (two runs of this store at once); the next run reads that one';
    } catch (err) {
      // Put in place but not recorded, the file is not the cache the store names: the next run reads everything.
      this.reading.cacheNotWritten = (err as Error).message;
    } finally {
      if (!installed) done.writer.abort();
    }
  }

  /** Removes a file written whole but never recorded (a run that failed after its scan). */
  discard(): void {
    this.finished?.writer.abort();
    this.finished = undefined;
  }
}
