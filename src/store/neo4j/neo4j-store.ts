/**
 * The GraphStore on Neo4j 5.26+ (dynamic labels and relationship types) through neo4j-driver 6,
 * its roles each in a module of its own over one session helper (session.ts). Every statement is
 * a file under cypher/. Contract ids are element ids. `migrate()` checks the server's version first.
 *
 * Tested here only as far as can be done without a server (the Cypher lint test, the record
 * mapping and version tests); the store contract suite runs against it whenever NEO4J_URI is set.
 */
import type { Declaration } from '../../domain/declaration';
import type { EntityKind } from '../../domain/entities';
import type { AnalysisRun, CategoryRisk, CommunityRecord, DeclarationFacts, EntityScore } from '../../domain/results';
import type { EntityLink, EntityStats } from '../analysis-source';
import type { AuditRecord } from '../audit-log';
import type { Entity, NeighbourhoodOptions, NodeLink, StoreCounts, Subgraph } from '../graph-reader';
import type { GraphStore } from '../graph-store';
import type { OutcomeUpdate, WatchlistEntry } from '../graph-writer';
import type { EntityRef, GraphBatch } from '../../domain/graph-facts';
import type { RunResults, RunSummary } from '../run-store';
import { Neo4jAnalysisSource } from './analysis-source';
import { Neo4jAuditLog } from './audit';
import { Neo4jGraphReader } from './reader';
import { Neo4jGraphWriter } from './writer';
import { Neo4jRunStore } from './runs';
import { checkServerVersion } from './server-version';
import { Neo4jSession, type Neo4jStoreOptions } from './session';
import { migrationNames } from './statements';

export type { Neo4jStoreOptions } from './session';
export const NEO4J_SCHEMA_VERSION = 1;

export class Neo4jGraphStore implements GraphStore {
  private readonly session: Neo4jSession;
  readonly writer: Neo4jGraphWriter;
  readonly reader: Neo4jGraphReader;
  readonly analysis: Neo4jAnalysisSource;
  readonly runs: Neo4jRunStore;
  readonly audit: Neo4jAuditLog;
  readonly linkBatch: number;

  constructor(opts: Neo4jStoreOptions) {
    this.session = new Neo4jSession(opts);
    this.writer = new Neo4jGraphWriter(this.session);
    this.reader = new Neo4jGraphReader(this.session);
    this.analysis = new Neo4jAnalysisSource(this.session);
    this.runs = new Neo4jRunStore(this.session);
    this.audit = new Neo4jAuditLog(this.session);
    this.linkBatch = this.reader.linkBatch;
  }

  /** The server's version, or UnsupportedStoreError when it is older than 5.26. */
  async serverVersion(): Promise<string> {
    return checkServerVersion(await this.session.read('server-version'));
  }

  async migrate(): Promise<void> {
    await this.serverVersion();
    for (const name of migrationNames(this.session.statements)) {
      await this.session.runSchema(name, name === 'migrate-011-schema-version'
        ? { version: NEO4J_SCHEMA_VERSION, appliedAt: new Date().toISOString() } : {});
    }
  }

  close(): Promise<void> { return this.session.close(); }

  // ---- graph-writer ----
  writeBatch(batch: GraphBatch): Promise<void> { return this.writer.writeBatch(batch); }
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
