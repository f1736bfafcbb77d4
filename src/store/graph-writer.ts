/**
 * Writing the graph: batches of entities, links and declarations keyed by (kind, key), so every
 * adapter can upsert idempotently; watchlist entries; control outcomes of declarations loaded.
 */
import type { FraudType, Outcome } from '../domain/fields';
import type { BatchResult, EntityRef, GraphBatch, LinkFact } from '../domain/graph-facts';

export interface WatchlistEntry extends EntityRef {
  reason: string;
  source: string;
  severity: number;
  listedAt: string;
}

export interface OutcomeUpdate {
  /** `declaration_id/item_no` */
  key: string;
  outcome: Outcome;
  fraudType?: FraudType;
  recoveredAmount?: number;
}

export interface GraphWriter {
  /**
   * Writes a batch; a declaration loaded before is replaced by its new version (its parties and
   * containers are those it now names), and the result says which were replaced.
   */
  writeBatch(batch: GraphBatch): Promise<BatchResult>;
  /**
   * Runs one load of about `expectedRows` declarations: an adapter may prepare for it (the SQLite
   * store defers secondary indexes on large loads), and tells within it which replaced
   * declarations came from the same load. Data written is the same either way.
   */
  bulk<T>(expectedRows: number, work: () => Promise<T>): Promise<T>;
  /**
   * Removes links no declaration asserts any more (replaced declarations'), and the identifiers and
   * persons left without any link. Returns how many links and entities went.
   */
  removeLinks(links: LinkFact[]): Promise<{ links: number; entities: number }>;
  upsertWatchlist(entries: WatchlistEntry[]): Promise<void>;
  /** Returns whether an entry was removed. */
  removeWatchlist(ref: EntityRef): Promise<boolean>;
  /**
   * Records control outcomes of declarations already loaded (the feedback loop). Returns how many
   * were updated and the keys (`declaration_id/item_no`) it did not find.
   */
  updateOutcomes(rows: OutcomeUpdate[]): Promise<{ updated: number; missing: string[] }>;
}
