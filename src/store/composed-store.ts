/**
 * A GraphStore made of one object per role: each adapter builds its writer, reader,
 * analysis-source, run store and audit log over its own connection, and this class answers the
 * contract by handing each call to the role that owns it.
 */
import type { Declaration } from '../domain/declaration';
import type { EntityKind } from '../domain/entities';
import type { BatchResult, EntityRef, GraphBatch, LinkFact } from '../domain/graph-facts';
import type { AnalysisRun, CategoryRisk, CommunityRecord, DeclarationFacts, EntityScore } from '../domain/results';
import type { ChannelOverride, QualityCount, RunCard } from '../domain/accountability';
import type { AccountabilityLog } from './accountability-log';
import type { CaseStore } from './case-store';
import type { CaseStatus, InvestigationCase } from '../domain/cases';
import type { AnalysisSource, DeclarationColumns, DeclarationInput, DeclarationLinkColumns, EntityLink, EntityLinkColumns, EntityStats } from './analysis-source';
import type { IdNumbers } from '../util/id-numbers';
import type { AuditLog, AuditRecord } from './audit-log';
import type { Entity, GraphReader, LinkFigures, NeighbourhoodOptions, NodeLink, StoreCounts, StoredDeclaration, Subgraph } from './graph-reader';
import type { GraphStore } from './graph-store';
import type { GraphWriter, OutcomeUpdate, WatchlistEntry } from './graph-writer';
import type { RunResults, RunStore, RunSummary } from './run-store';
import type { PurgeCounts, RetentionStore } from './retention';
import type { AlertPass, AlertStore } from './alert-store';
import type { Alert, AlertFilter, NewAlert, Watch, WatchSnapshot } from '../domain/alerts';

export interface StoreRoles {
  writer: GraphWriter;
  reader: GraphReader;
  /** Entities by id come from the reader. */
  analysis: Omit<AnalysisSource, 'getEntities'>;
  runs: RunStore;
  audit: AuditLog;
  accountability: AccountabilityLog;
  cases: CaseStore;
  retention: RetentionStore;
  alerts: AlertStore;
}

export abstract class ComposedGraphStore implements GraphStore {
  readonly linkBatch: number;
  /** Present when the analysis role has it (the embedded store). */
  readonly streamEntityGraphColumns?: (batchSize?: number, declarations?: DeclarationLinkColumns) => AsyncIterable<EntityLinkColumns>;

  constructor(private readonly roles: StoreRoles) {
    this.linkBatch = roles.reader.linkBatch;
    this.streamEntityGraphColumns = roles.analysis.streamEntityGraphColumns?.bind(roles.analysis);
  }

  abstract migrate(): Promise<void>;
  abstract close(): Promise<void>;

  // ---- graph-writer ----
  writeBatch(batch: GraphBatch): Promise<BatchResult> { return this.roles.writer.writeBatch(batch); }
  removeLinks(links: LinkFact[]): Promise<{ links: number; entities: number }> { return this.roles.writer.removeLinks(links); }
  bulk<T>(expectedRows: number, work: () => Promise<T>): Promise<T> { return this.roles.writer.bulk(expectedRows, work); }
  upsertWatchlist(entries: WatchlistEntry[]): Promise<void> { return this.roles.writer.upsertWatchlist(entries); }
  removeWatchlist(ref: EntityRef): Promise<boolean> { return this.roles.writer.removeWatchlist(ref); }
  updateOutcomes(rows: OutcomeUpdate[]): Promise<{ updated: number; missing: string[] }> { return this.roles.writer.updateOutcomes(rows); }

  // ---- graph-reader ----
  getEntities(ids: readonly string[]): Promise<Entity[]> { return this.roles.reader.getEntities(ids); }
  linksOf(nodes: readonly Entity[], limit: number): Promise<NodeLink[][]> { return this.roles.reader.linksOf(nodes, limit); }
  findEntity(ref: EntityRef): Promise<Entity | null> { return this.roles.reader.findEntity(ref); }
  getDeclaration(key: string): Promise<(Declaration & { id: string }) | null> { return this.roles.reader.getDeclaration(key); }
  entityDeclarations(entityId: string, opts: { limit: number; after?: string }): Promise<Array<Declaration & { id: string }>> {
    return this.roles.reader.entityDeclarations(entityId, opts);
  }
  getDeclarations(ids: readonly string[]): Promise<StoredDeclaration[]> { return this.roles.reader.getDeclarations(ids); }
  linkFigures(a: string, b: string): Promise<LinkFigures> { return this.roles.reader.linkFigures(a, b); }
  linkDeclarations(a: string, b: string, opts: { limit: number; after?: string }): Promise<Array<Declaration & { id: string }>> {
    return this.roles.reader.linkDeclarations(a, b, opts);
  }
  searchByName(text: string, opts: { kinds?: EntityKind[]; limit: number; after?: string }): Promise<Entity[]> { return this.roles.reader.searchByName(text, opts); }
  countByName(text: string, opts: { kinds?: EntityKind[] }): Promise<number> { return this.roles.reader.countByName(text, opts); }
  countEntityDeclarations(entityId: string): Promise<number> { return this.roles.reader.countEntityDeclarations(entityId); }
  neighbourhood(ids: readonly string[], opts: NeighbourhoodOptions): Promise<Subgraph> { return this.roles.reader.neighbourhood(ids, opts); }
  watchlistHits(): Promise<Array<{ entity: Entity; entry: WatchlistEntry }>> { return this.roles.reader.watchlistHits(); }
  watchlistEntries(): Promise<WatchlistEntry[]> { return this.roles.reader.watchlistEntries(); }
  counts(): Promise<StoreCounts> { return this.roles.reader.counts(); }

  // ---- analysis-source ----
  streamEntityGraph(batchSize?: number, declarations?: DeclarationLinkColumns): AsyncIterable<EntityLink[]> { return this.roles.analysis.streamEntityGraph(batchSize, declarations); }
  streamEntityStats(batchSize?: number): AsyncIterable<EntityStats[]> { return this.roles.analysis.streamEntityStats(batchSize); }
  streamDeclarationFacts(batchSize?: number): AsyncIterable<DeclarationFacts[]> { return this.roles.analysis.streamDeclarationFacts(batchSize); }
  streamDeclarationColumns(numbers: IdNumbers, batchSize?: number): AsyncIterable<DeclarationColumns> { return this.roles.analysis.streamDeclarationColumns(numbers, batchSize); }
  declarationsPerDay(): Promise<Array<{ day: string; count: number }>> { return this.roles.analysis.declarationsPerDay(); }
  declarationInput(opts: { full: boolean }): Promise<DeclarationInput> { return this.roles.analysis.declarationInput(opts); }
  streamEntities(kinds: readonly EntityKind[], batchSize?: number): AsyncIterable<Entity[]> { return this.roles.analysis.streamEntities(kinds, batchSize); }

  // ---- run-store ----
  beginRun(run: { seed: number; params: Record<string, unknown>; startedAt: string }): Promise<string> { return this.roles.runs.beginRun(run); }
  writeRunResults(runId: string, results: RunResults, onProgress?: (done: number, total: number) => void): Promise<void> {
    return this.roles.runs.writeRunResults(runId, results, onProgress);
  }
  completeRun(runId: string, summary: RunSummary): Promise<boolean> { return this.roles.runs.completeRun(runId, summary); }
  failRun(runId: string, reason: string): Promise<void> { return this.roles.runs.failRun(runId, reason); }
  heartbeat(runId: string): Promise<void> { return this.roles.runs.heartbeat(runId); }
  failAbandonedRuns(staleMs: number): Promise<string[]> { return this.roles.runs.failAbandonedRuns(staleMs); }
  currentRun(): Promise<AnalysisRun | null> { return this.roles.runs.currentRun(); }
  currentRunId(): Promise<string | null> { return this.roles.runs.currentRunId(); }
  listRuns(limit: number): Promise<AnalysisRun[]> { return this.roles.runs.listRuns(limit); }
  pruneRuns(keep: number): Promise<string[]> { return this.roles.runs.pruneRuns(keep); }
  getScores(entityIds: readonly string[], runId?: string): Promise<EntityScore[]> { return this.roles.runs.getScores(entityIds, runId); }
  topEntities(opts: { kind?: EntityKind; limit: number; runId?: string }): Promise<EntityScore[]> { return this.roles.runs.topEntities(opts); }
  topCommunities(limit: number, runId?: string, offset?: number): Promise<CommunityRecord[]> { return this.roles.runs.topCommunities(limit, runId, offset); }
  getCommunity(community: number, runId?: string): Promise<CommunityRecord | null> { return this.roles.runs.getCommunity(community, runId); }
  countCommunities(runId?: string): Promise<number> { return this.roles.runs.countCommunities(runId); }
  categoryRisk(runId?: string): Promise<CategoryRisk[]> { return this.roles.runs.categoryRisk(runId); }
  runCard(runId: string): Promise<RunCard | null> { return this.roles.runs.runCard(runId); }

  // ---- audit-log ----
  appendAudit(record: AuditRecord): Promise<void> { return this.roles.audit.appendAudit(record); }
  listAudit(opts: { limit: number; before?: string }): Promise<AuditRecord[]> { return this.roles.audit.listAudit(opts); }
  countAudit(): Promise<number> { return this.roles.audit.countAudit(); }

  // ---- case-store ----
  createCase(c: Omit<InvestigationCase, 'id'>): Promise<InvestigationCase> { return this.roles.cases.createCase(c); }
  getCase(id: string): Promise<InvestigationCase | null> { return this.roles.cases.getCase(id); }
  listCases(opts: { status?: CaseStatus; limit: number; before?: string }): Promise<InvestigationCase[]> { return this.roles.cases.listCases(opts); }
  countCases(opts: { status?: CaseStatus }): Promise<number> { return this.roles.cases.countCases(opts); }
  saveCase(c: InvestigationCase, expectedVersion: number): Promise<boolean> { return this.roles.cases.saveCase(c, expectedVersion); }

  // ---- retention ----
  purgePlan(cutoff: string): Promise<PurgeCounts> { return this.roles.retention.purgePlan(cutoff); }
  purgeStep(cutoff: string, batch: number, pseudonym: (kind: string, key: string) => string): Promise<PurgeCounts> {
    return this.roles.retention.purgeStep(cutoff, batch, pseudonym);
  }
  purgeAudit(cutoff: string): Promise<number> { return this.roles.retention.purgeAudit(cutoff); }

  // ---- alert-store ----
  addAlerts(alerts: NewAlert[], at: string): Promise<Alert[]> { return this.roles.alerts.addAlerts(alerts, at); }
  getAlert(id: string): Promise<Alert | null> { return this.roles.alerts.getAlert(id); }
  listAlerts(opts: AlertFilter & { limit: number; before?: string }): Promise<Alert[]> { return this.roles.alerts.listAlerts(opts); }
  countAlerts(filter: AlertFilter): Promise<number> { return this.roles.alerts.countAlerts(filter); }
  alertsAfter(id: string | undefined, limit: number): Promise<Alert[]> { return this.roles.alerts.alertsAfter(id, limit); }
  lastAlertId(): Promise<string | undefined> { return this.roles.alerts.lastAlertId(); }
  saveAlert(a: Alert, expectedVersion: number): Promise<boolean> { return this.roles.alerts.saveAlert(a, expectedVersion); }
  getAlertPass(runId: string): Promise<AlertPass | null> { return this.roles.alerts.getAlertPass(runId); }
  saveAlertPass(pass: AlertPass): Promise<void> { return this.roles.alerts.saveAlertPass(pass); }
  addWatch(w: Omit<Watch, 'id'>): Promise<Watch> { return this.roles.alerts.addWatch(w); }
  getWatch(id: string): Promise<Watch | null> { return this.roles.alerts.getWatch(id); }
  listWatches(opts?: { who?: string }): Promise<Watch[]> { return this.roles.alerts.listWatches(opts); }
  removeWatch(id: string): Promise<boolean> { return this.roles.alerts.removeWatch(id); }
  saveWatchSnapshots(seen: Array<{ id: string; seen: WatchSnapshot }>): Promise<void> { return this.roles.alerts.saveWatchSnapshots(seen); }

  // ---- accountability-log ----
  addQualityCounts(counts: QualityCount[]): Promise<void> { return this.roles.accountability.addQualityCounts(counts); }
  qualityCounts(): Promise<QualityCount[]> { return this.roles.accountability.qualityCounts(); }
  recordOverride(o: Omit<ChannelOverride, 'id'>): Promise<ChannelOverride> { return this.roles.accountability.recordOverride(o); }
  listOverrides(opts: { since?: string; limit: number; before?: string }): Promise<ChannelOverride[]> { return this.roles.accountability.listOverrides(opts); }
  countOverrides(opts: { since?: string }): Promise<number> { return this.roles.accountability.countOverrides(opts); }
}
