/**
 * The GraphStore contract: the seam between customs-graph and its graph database. The embedded
 * SQLite adapter and the Neo4j adapter both implement it; test/store-contract.ts runs the same
 * suite against each. Writes are keyed by (kind, key) so that every adapter can upsert
 * idempotently; reads return store ids, which are opaque strings.
 */
import type { DeclarationRel, EntityKind, LinkRel, RelType } from '../domain/entities';
import type { Declaration } from '../domain/declaration';
import type { FraudType, Outcome } from '../domain/fields';

export interface EntityRef {
  kind: EntityKind;
  key: string;
}

export interface EntityFact extends EntityRef {
  /** Display name as last declared (a company name, the phone as written, a route label). */
  name: string;
}

export interface LinkFact {
  from: EntityRef;
  type: LinkRel;
  to: EntityRef;
}

export interface DeclarationFact {
  /** `declaration_id/item_no`, the Declaration's key. */
  key: string;
  declaration: Declaration;
  parties: Partial<Record<DeclarationRel, EntityRef>>;
  containers: EntityRef[];
  source?: { file: string; line: number };
}

/** One batch of upserts: applied atomically, idempotent, in any order across batches. */
export interface GraphBatch {
  entities: EntityFact[];
  links: LinkFact[];
  declarations: DeclarationFact[];
}

export interface WatchlistEntry extends EntityRef {
  reason: string;
  source: string;
  severity: number;
  listedAt: string;
}

/** A node: an entity or a declaration (kind 'Declaration', key `declaration_id/item_no`). */
export interface Entity {
  id: string;
  kind: EntityKind;
  key: string;
  name: string;
}

export interface Edge {
  source: string;
  target: string;
  type: RelType;
}

export interface Subgraph {
  nodes: Entity[];
  edges: Edge[];
  /** True when a limit cut the subgraph short. */
  truncated: boolean;
}

export interface NeighbourhoodOptions {
  hops: number;
  /** Most nodes returned, the start nodes included. */
  limit: number;
  kinds?: EntityKind[];
}

/**
 * A link of the entity graph used by analysis: parties tied through the declarations they share
 * (the trader and each counterpart, counted and valued) or a party tied to an identifier, person
 * or container it shares with others.
 */
export interface EntityLink {
  source: string;
  sourceKind: EntityKind;
  target: string;
  targetKind: EntityKind;
  type: RelType;
  /** Number of declarations behind the link (1 for identifier links). */
  count: number;
  /** Declared value behind the link (0 for identifier links). */
  value: number;
}

/** Per-entity declaration facts analysis needs (volumes and recorded control outcomes). */
export interface EntityStats {
  id: string;
  kind: EntityKind;
  declarations: number;
  value: number;
  seizures: number;
  discrepancies: number;
  firstLodged: string;
  lastLodged: string;
}

export interface StoreCounts {
  entities: Partial<Record<EntityKind, number>>;
  relationships: Partial<Record<RelType, number>>;
  declarations: number;
  watchlist: number;
}

/** What analysis reads of each declaration (ids are store ids of the parties). */
export interface DeclarationFacts {
  id: string;
  lodgedAt: string;
  trader: string;
  consignee?: string;
  supplier?: string;
  broker?: string;
  carrier?: string;
  route: string;
  hsCode: string;
  origin: string;
  goodsOrigin?: string;
  transit: string[];
  value: number;
  quantity?: number;
  weight?: number;
  currency: string;
  outcome: Outcome;
  attrs?: Record<string, string>;
}

/** One reason behind a risk: what it is, how strong, how much it adds, and what shows it. */
export interface Signal {
  name: string;
  value: number;
  contribution: number;
  /** Ids of the evidence: declarations, shared identifiers, the ring, the seeds it came from. */
  evidence: string[];
}

export interface EntityScore {
  entityId: string;
  kind: EntityKind;
  risk: number;
  community?: number;
  component?: number;
  pagerank: number;
  ppr: number;
  seizures: number;
  knownBad: boolean;
  signals: Signal[];
}

export interface CommunityRecord {
  community: number;
  rank: number;
  size: number;
  byKind: Partial<Record<EntityKind, number>>;
  knownBad: number;
  value: number;
  risk: number;
  /** Entity ids, riskiest first. */
  members: string[];
  signals: Signal[];
}

/** Outcome history of one declared attribute value (an HS code, an origin, a broker, ...). */
export interface CategoryRisk {
  field: string;
  value: string;
  /** Declarations with a recorded control outcome. */
  n: number;
  /** Of those, with a discrepancy or seizure. */
  bad: number;
}

export interface AnalysisRun {
  id: string;
  startedAt: string;
  finishedAt?: string;
  /** 'pruned': an older run whose results were dropped (see run-retention.ts). */
  status: 'running' | 'done' | 'failed' | 'pruned';
  seed: number;
  params: Record<string, unknown>;
  timings: Record<string, number>;
  modularity?: number;
  counts: Record<string, number>;
}

export interface RunResults {
  scores: EntityScore[];
  communities: CommunityRecord[];
  categories: CategoryRisk[];
}

export interface OutcomeUpdate {
  /** `declaration_id/item_no` */
  key: string;
  outcome: Outcome;
  fraudType?: FraudType;
  recoveredAmount?: number;
}

export interface AuditRecord {
  id?: string;
  at: string;
  who: string;
  role: string;
  operation: string;
  entityIds: string[];
  requestId: string;
}

export interface GraphStore {
  /** Creates or upgrades the schema; safe to call on every start. */
  migrate(): Promise<void>;
  writeBatch(batch: GraphBatch): Promise<void>;
  /**
   * Runs a load of about `expectedRows` declarations; an adapter may prepare for it (the SQLite
   * store defers secondary indexes on large loads). Data written is the same either way.
   */
  bulk<T>(expectedRows: number, work: () => Promise<T>): Promise<T>;
  upsertWatchlist(entries: WatchlistEntry[]): Promise<void>;
  /**
   * Records control outcomes of declarations already loaded (the feedback loop). Returns how many
   * were updated and the keys (`declaration_id/item_no`) it did not find.
   */
  updateOutcomes(rows: OutcomeUpdate[]): Promise<{ updated: number; missing: string[] }>;
  /** Returns whether an entry was removed. */
  removeWatchlist(ref: EntityRef): Promise<boolean>;
  getEntities(ids: readonly string[]): Promise<Entity[]>;
  findEntity(ref: EntityRef): Promise<Entity | null>;
  getDeclaration(key: string): Promise<(Declaration & { id: string }) | null>;
  /** Declarations naming an entity (any role), newest first, after the given declaration id. */
  entityDeclarations(entityId: string, opts: { limit: number; after?: string }): Promise<Array<Declaration & { id: string }>>;
  /** Entities whose name starts with or contains the text (case-insensitive), by id after `after`. */
  searchByName(text: string, opts: { kinds?: EntityKind[]; limit: number; after?: string }): Promise<Entity[]>;
  neighbourhood(ids: readonly string[], opts: NeighbourhoodOptions): Promise<Subgraph>;
  /** The entity graph in batches, for analysis; identifier links only where the identifier is shared. */
  streamEntityGraph(batchSize?: number): AsyncIterable<EntityLink[]>;
  streamEntityStats(batchSize?: number): AsyncIterable<EntityStats[]>;
  /** Entities that match a watchlist entry. */
  watchlistHits(): Promise<Array<{ entity: Entity; entry: WatchlistEntry }>>;
  counts(): Promise<StoreCounts>;

  // ---- analysis ----
  streamDeclarationFacts(batchSize?: number): AsyncIterable<DeclarationFacts[]>;
  /** Declarations per lodging day (YYYY-MM-DD), in day order. */
  declarationsPerDay(): Promise<Array<{ day: string; count: number }>>;
  /** Records a new run as running; it is invisible to readers until completeRun. */
  beginRun(run: { seed: number; params: Record<string, unknown>; startedAt: string }): Promise<string>;
  /** Writes a run's results; may be called once per run, in as many transactions as the adapter likes. */
  writeRunResults(runId: string, results: RunResults, onProgress?: (done: number, total: number) => void): Promise<void>;
  /** Marks the run done and makes it current, in one step. */
  completeRun(runId: string, summary: {
    timings: Record<string, number>; modularity?: number; counts: Record<string, number>; params: Record<string, unknown>;
  }): Promise<void>;
  failRun(runId: string, reason: string): Promise<void>;
  currentRun(): Promise<AnalysisRun | null>;
  /** Just the id of the current run: cheap enough to ask on every request. */
  currentRunId(): Promise<string | null>;
  listRuns(limit: number): Promise<AnalysisRun[]>;
  /**
   * Drops the results of completed or failed runs beyond the newest `keep` completed ones (never
   * the current run, never one still running); their records stay, marked 'pruned'. Returns their ids.
   */
  pruneRuns(keep: number): Promise<string[]>;
  /** Scores from the current run (or the given one). */
  getScores(entityIds: readonly string[], runId?: string): Promise<EntityScore[]>;
  topEntities(opts: { kind?: EntityKind; limit: number; runId?: string }): Promise<EntityScore[]>;
  topCommunities(limit: number, runId?: string, offset?: number): Promise<CommunityRecord[]>;
  getCommunity(community: number, runId?: string): Promise<CommunityRecord | null>;
  categoryRisk(runId?: string): Promise<CategoryRisk[]>;
  /** Entities of the given kinds, in batches (for resolving keys in analysis and scoring). */
  streamEntities(kinds: readonly EntityKind[], batchSize?: number): AsyncIterable<Entity[]>;

  // ---- audit ----
  appendAudit(record: AuditRecord): Promise<void>;
  /** Newest first, before the given id. */
  listAudit(opts: { limit: number; before?: string }): Promise<AuditRecord[]>;

  close(): Promise<void>;
}
