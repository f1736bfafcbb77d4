/**
 * The embedded GraphStore: one SQLite file through better-sqlite3 (WAL, batched transactions),
 * its roles each in a module of its own (writer, reader, analysis-source, runs, audit,
 * accountability) over one
 * connection. Reads that stream for a long time open read connections of their own.
 */
import { SqliteRetention } from './retention';
import type Database from 'better-sqlite3';
import type { BatchResult, GraphBatch } from '../../domain/graph-facts';
import { ComposedGraphStore } from '../composed-store';
import type { StoreCounts } from '../graph-reader';
import { SqliteAccountabilityLog } from './accountability';
import { SqliteAnalysisSource } from './analysis-source';
import { SqliteCaseStore } from './cases';
import { SqliteAlertStore } from './alerts';
import { SqliteAuditLog } from './audit';
import { checkpointsDone } from './checkpoint-aside';
import { ensureIndexes, migrate, openDatabase, schemaVersion } from './connection';
import { SqliteGraphReader } from './reader';
import { SqliteRunStore } from './runs';
import { SqliteGraphWriter, type WriterOptions } from './writer';

export { declarationNodeId, REL_COLUMN } from './rows';

export interface SqliteStoreOptions extends WriterOptions {
  readonly?: boolean;
}

export class SqliteGraphStore extends ComposedGraphStore {
  readonly db: Database.Database;
  private readonly writer: SqliteGraphWriter;
  private readonly reader: SqliteGraphReader;

  constructor(readonly path: string, opts: SqliteStoreOptions = {}) {
    const db = openDatabase(path, { readonly: opts.readonly });
    const writer = new SqliteGraphWriter(db, opts);
    const reader = new SqliteGraphReader(db);
    super({ writer, reader, analysis: new SqliteAnalysisSource(db, path), runs: new SqliteRunStore(db), audit: new SqliteAuditLog(db),
      accountability: new SqliteAccountabilityLog(db), cases: new SqliteCaseStore(db), retention: new SqliteRetention(db), alerts: new SqliteAlertStore(db) });
    this.db = db;
    this.writer = writer;
    this.reader = reader;
  }

  async migrate(): Promise<void> { this.migrateSync(); }
  migrateSync(): void { migrate(this.db); }
  /** Builds any secondary index that is missing (after a bulk load, or one that was killed). */
  ensureIndexes(): void { ensureIndexes(this.db); }
  schemaVersion(): number { return schemaVersion(this.db); }
  /** Closes the connection once a checkpoint it started aside (after a run's write-back) is done. */
  async close(): Promise<void> {
    await checkpointsDone(this.db);
    if (this.db.open) this.db.close();
  }

  /** The synchronous forms benchmarks and tests use on the embedded store. */
  writeBatchSync(batch: GraphBatch): BatchResult { return this.writer.writeBatchSync(batch); }
  countsSync(): StoreCounts { return this.reader.countsSync(); }
}
