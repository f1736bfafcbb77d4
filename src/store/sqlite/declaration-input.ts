/**
 * A run's declarations from the embedded store: every one read from SQLite (and the analysis cache
 * written as they are read), or the analysis cache with the declarations added and changed since
 * it was made read in their place (cache-patch.ts). Either way the scan gets the same batches for
 * the same data (cache-rows.ts makes both).
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { DeclarationInput, DeclarationReading } from '../analysis-source';
import { controlledFacts, coverageOf, factsUpTo, linkColumns, mergeById, patchedColumn, readPatch, type Patch } from './cache-patch';
import { perDayOf, readEvery, scanBatch } from './cache-rows';
import { openDatabase, withReader } from './connection';
import { CacheWriter, COLUMN_NAMES, columnsSlice, openCache, type CacheCoverage, type OpenedCache, type Tables } from './declaration-cache';

/** The analysis cache's file beside a store. */
export const cachePath = (storePath: string) => `${storePath}.analysis-cache`; // one of FILES_BESIDE (connection.ts)

export class SqliteDeclarationInputs {
  constructor(private readonly db: Database.Database, private readonly path: string, private readonly perDay: () => Promise<Array<{ day: string; count: number }>>) {}

  async open(opts: { full: boolean }): Promise<DeclarationInput> {
    if (opts.full) return this.full('asked for (analyze --full)');
    const opened = openCache(cachePath(this.path));
    if ('unreadable' in opened) return this.full(opened.unreadable);
    const recorded = this.db.prepare('SELECT token FROM analysis_cache WHERE id = 1').pluck().get() as string | undefined;
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
    const reading: DeclarationReading = { mode: 'full', reason, fromStore: 0, fromCache: 0 };
    let kept: CacheCoverage | undefined;
    const path = this.path;
    return {
      reading,
      declarationsPerDay: this.perDay,
      streamDeclarationColumns: (numbers, batchSize = 2_000) => withReader(path, function* (db) {
        // One read transaction: the count, the coverage and the ranges see one snapshot.
        db.exec('BEGIN');
        try {
          const coverage = coverageOf(db, randomUUID());
          const writer = newWriter(path, db.prepare('SELECT COUNT(*) FROM declarations').pluck().get() as number, reading);
          try {
            for (const batch of readEvery(db, numbers, batchSize, writer)) {
              reading.fromStore += batch.length;
              yield batch;
            }
            writer?.finish(coverage);
            kept = writer ? coverage : undefined;
          } catch (err) {
            writer?.abort();
            throw err;
          }
        } finally {
          db.exec('COMMIT');
        }
      }),
      keep: async () => {
        if (kept) this.record(kept);
      },
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
    const anything = changed.length + appended.length > 0;
    let kept: CacheCoverage | undefined;
    const path = this.path;
    const perDay = perDayOf(patchedColumn(opened, patch, 'lodged'), total, opened.tables);
    return {
      reading,
      linkColumns: () => linkColumns(opened, patch),
      declarationsPerDay: async () => perDay,
      async *streamDeclarationColumns(numbers, batchSize = 2_000) {
        const writer = anything ? newWriter(path, total, reading, opened.tables) : undefined;
        const transitPorts = new Map<number, string[]>();
        const old = controlledFacts(opened.controlled(), new Set(patch.changedIds));
        try {
          let k = 0;
          for (let from = 0; from < opened.rows; from += batchSize) {
            const to = Math.min(opened.rows, from + batchSize);
            const columns = opened.readRows(from, to);
            // Changed declarations of the range written over their rows, with their controlled facts if they have an outcome now.
            for (; k < patch.at.length && patch.at[k]! < to; k++) {
              for (const name of COLUMN_NAMES) columns[name][patch.at[k]! - from] = changed.columns[name][k]!;
            }
            const last = columns.id[to - from - 1]!;
            const batch = { length: to - from, columns, controlled: mergeById(old.upTo(last), factsUpTo(changed.controlled, last)) };
            writer?.append(batch);
            yield scanBatch(batch, opened.tables, numbers, transitPorts);
          }
          for (let from = 0; from < appended.length; from += batchSize) {
            const to = Math.min(appended.length, from + batchSize);
            const batch = { length: to - from, columns: columnsSlice(appended.columns, from, to), controlled: factsUpTo(appended.controlled, appended.columns.id[to - 1]!) };
            writer?.append(batch);
            yield scanBatch(batch, opened.tables, numbers, transitPorts);
          }
          writer?.finish(patch.coverage);
          kept = writer ? patch.coverage : undefined;
        } catch (err) {
          writer?.abort();
          throw err;
        } finally {
          opened.close();
        }
      },
      keep: async () => {
        if (kept) this.record(kept);
      },
    };
  }

  /** Records which cache the file beside the store is, and lets go of the changes it covers. */
  private record(coverage: CacheCoverage): void {
    this.db.transaction(() => {
      this.db.prepare('INSERT OR REPLACE INTO analysis_cache (id, token, max_id, last_seq) VALUES (1, ?, ?, ?)').run(coverage.token, coverage.maxId, coverage.lastSeq);
      this.db.prepare('DELETE FROM declaration_changes WHERE seq <= ?').run(coverage.lastSeq);
    }).immediate();
  }
}

/**
 * A writer of the next cache, or none where the file cannot be made (a folder the run may not
 * write to): the run goes on, says why in its reading, and the next run reads everything again.
 */
function newWriter(storePath: string, rows: number, reading: DeclarationReading, tables?: Tables): CacheWriter | undefined {
  try {
    return new CacheWriter(cachePath(storePath), rows, tables);
  } catch (err) {
    reading.cacheNotWritten = (err as Error).message;
    return undefined;
  }
}
