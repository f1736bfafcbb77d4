/**
 * The embedded GraphStore: one SQLite file through better-sqlite3 (WAL, batched transactions),
 * its roles each in a module of its own (writer, reader, analysis-source, runs, audit) over one
 * connection. Reads that stream for a long time open read connections of their own.
 */
import type Database from 'better-sqlite3';
import type { EntityKind } from '../../domain/entities';
import type { AnalysisRun, CategoryRisk, CommunityRecord, DeclarationFacts, EntityScore } from '../../domain/results';
import type { Declaration } from '../../domain/declaration';
import type { EntityLink, EntityStats } from '../analysis-source';
import type { AuditRecord } from '../audit-log';
import type { Entity, NeighbourhoodOptions, NodeLink, StoreCounts, Subgraph } from '../graph-reader';
import type { GraphStore } from '../graph-store';
import type { OutcomeUpdate, WatchlistEntry } from '../graph-writer';
import type { EntityRef, GraphBatch } from '../../domain/graph-facts';
import type { RunResults, RunSummary } from '../run-store';
import { SqliteAnalysisSource } from './analysis-source';
import { SqliteAuditLog } from './audit';
import { ensureIndexes, migrate, openDatabase, schemaVersion } from './connection';
import { SqliteGraphReader } from './reader';
import { SqliteRunStore } from './runs';
import { SqliteGraphWriter, type WriterOptions } from './writer';

export { declarationNodeId, REL_COLUMN } from './rows';

export interface SqliteStoreOptions extends WriterOptions {
  readonly?: boolean;
}

export class SqliteGraphStore implements GraphStore {
  readonly db: Database.Database;
  readonly writer: SqliteGraphWriter;
  readonly reader: SqliteGraphReader;
  readonly analysis: SqliteAnalysisSource;
  readonly runs: SqliteRunStore;
  readonly audit: SqliteAuditLog;
  readonly linkBatch: number;

  constructor(readonly path: string, opts: SqliteStoreOptions = {}) {
    this.db = openDatabase(path, { readonly: opts.readonly });
    this.writer = new SqliteGraphWriter(this.db, opts);
    this.reader = new SqliteGraphReader(this.db);
    this.analysis = new SqliteAnalysisSource(this.db, path);
    this.runs = new SqliteRunStore(this.db);
    this.audit = new SqliteAuditLog(this.db);
    this.linkBatch = this.reader.linkBatch;
  }

  async migrate(): Promise<void> { this.migrateSync(); }
  migrateSync(): void { migrate(this.db); }
  /** Builds any secondary index that is missing (after a bulk load, or one that was killed). */
  ensureIndexes(): void { ensureIndexes(this.db); }
  schemaVersion(): number { return schemaVersion(this.db); }
  async close(): Promise<void> { if (this.db.open) this.db.close(); }

  // ---- graph-writer ----
  writeBatch(batch: GraphBatch): Promise<void> { return this.writer.writeBatch(batch); }
  writeBatchSync(batch: GraphBatch): void { this.writer.writeBatchSync(batch); }
  bulk<T>(expectedRows: number, work: () => Promise<T>): Promise<T> { return this.writer.bulk(expectedRows, work); }
  upsertWatchlist(entries: WatchlistEntry[]): Promise<void> { return this.writer.upsertWatchlist(entries); }
  removeWatchlist(ref: EntityRef): Promise<boolean> { return this.writer.removeWatchlist(ref); }
  updateOutcomes(rows: OutcomeUpdate[]): Promise<{ updated: number; missing: string[] }> { return this.writer.updateOutcomes(rows); }

  // ---- graph-reader ----
  getEntities(ids: readonly string[]): Promise<Entity[]> { return this.reader.getEntities(ids); }
  linksOf(nodes: readonly Entity[], limit: number): Promise<NodeLink[][]> { return this.reader.linksOf(nodes, limit); }
  findEntity(ref: EntityRef): Promise<Entity | null> { return this.reader.findEntity(ref); }
  getDeclaration(key: string): Promise<(Declaration & { id: string }) | null> { return this.reader.getDeclaration(key); }
  entityDeclarations(entityId: string, opts: { limit: number; after?: string }): Promise<Array<Declaration & { id: string }>> {
    return this.reader.entityDeclarations(entityId, opts);
  }
  searchByName(text: string, opts: { kinds?: EntityKind[]; limit: number; after?: string }): Promise<Entity[]> { return this.reader.searchByName(text, opts); }
  neighbourhood(ids: readonly string[], opts: NeighbourhoodOptions): Promise<Subgraph> { return this.reader.neighbourhood(ids, opts); }
  watchlistHits(): Promise<Array<{ entity: Entity; entry: WatchlistEntry }>> { return this.reader.watchlistHits(); }
  counts(): Promise<StoreCounts> { return this.reader.counts(); }
  countsSync(): StoreCounts { return this.reader.countsSync(); }

  // ---- analysis-source ----
  streamEntityGraph(batchSize?: number): AsyncIterable<EntityLink[]> { return this.analysis.streamEntityGraph(batchSize); }
  streamEntityStats(batchSize?: number): AsyncIterable<EntityStats[]> { return this.analysis.streamEntityStats(batchSize); }
  streamDeclarationFacts(batchSize?: number): AsyncIterable<DeclarationFacts[]> { return this.analysis.streamDeclarationFacts(batchSize); }
  declarationsPerDay(): Promise<Array<{ day: string; count: number }>> { return this.analysis.declarationsPerDay(); }
  streamEntities(kinds: readonly EntityKind[], batchSize?: number): AsyncIterable<Entity[]> { return this.analysis.streamEntities(kinds, batchSize); }

  // ---- run-store ----
  beginRun(run: { seed: number; params: Record<string, unknown>; startedAt: string }): Promise<string> { return this.runs.beginRun(run); }
  writeRunResults(runId: string, results: RunResults, onProgress?: (done: number, total: number) => void): Promise<void> {
    return this.runs.writeRunResults(runId, results, onProgress);
  }
  completeRun(runId: string, summary: RunSummary): Promise<void> { return this.runs.completeRun(runId, summary); }
  failRun(runId: string, reason: string): Promise<void> { return this.runs.failRun(runId, reason); }
  currentRun(): Promise<AnalysisRun | null> { return this.runs.currentRun(); }
  currentRunId(): Promise<string | null> { return this.runs.currentRunId(); }
  listRuns(limit: number): Promise<AnalysisRun[]> { return this.runs.listRuns(limit); }
  pruneRuns(keep: number): Promise<string[]> { return this.runs.pruneRuns(keep); }
  getScores(entityIds: readonly string[], runId?: string): Promise<EntityScore[]> { return this.runs.getScores(entityIds, runId); }
  topEntities(opts: { kind?: EntityKind; limit: number; runId?: string }): Promise<EntityScore[]> { return this.runs.topEntities(opts); }
  topCommunities(limit: number, runId?: string, offset?: number): Promise<CommunityRecord[]> { return this.runs.topCommunities(limit, runId, offset); }
  getCommunity(community: number, runId?: string): Promise<CommunityRecord | null> { return this.runs.getCommunity(community, runId); }
  categoryRisk(runId?: string): Promise<CategoryRisk[]> { return this.runs.categoryRisk(runId); }

  // ---- audit-log ----
  appendAudit(record: AuditRecord): Promise<void> { return this.audit.appendAudit(record); }
  listAudit(opts: { limit: number; before?: string }): Promise<AuditRecord[]> { return this.audit.listAudit(opts); }
}
