/** What analysis reads from a store: the entity graph, per-entity figures and every declaration's facts, streamed. */
import type { EntityKind, RelType } from '../domain/entities';
import type { DeclarationFacts } from '../domain/results';
import type { Entity } from './graph-reader';
import type { IdNumbers } from '../util/id-numbers';

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

/**
 * Links of the entity graph in columns, as the embedded store reads them: entity ids as the
 * numbers their EntityLink id strings spell, kinds and types as their index in ENTITY_KINDS and
 * REL_TYPES. Millions of links as objects cost the projection an object and two id strings each.
 */
export interface EntityLinkColumns {
  length: number;
  source: Int32Array;
  sourceKind: Uint8Array;
  target: Int32Array;
  targetKind: Uint8Array;
  type: Uint8Array;
  count: Float64Array;
  value: Float64Array;
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

/**
 * Every declaration as the declaration scan reads it: a batch of columns rather than an object per
 * declaration (at 4M declarations, building and collecting those objects was most of the scan),
 * with the few declarations that carry a control outcome given whole.
 */
export interface DeclarationColumns {
  length: number;
  /** A number per declaration that `declarationId` turns into its node id (needed only for the few kept as examples). */
  key: Float64Array;
  declarationId(key: number): string;
  lodgedAt: string[];
  /** The parties, as numbers in the IdNumbers the stream was given; -1 where there is none. */
  trader: Int32Array;
  consignee: Int32Array;
  supplier: Int32Array;
  broker: Int32Array;
  carrier: Int32Array;
  value: Float64Array;
  /** NaN where none is declared. */
  quantity: Float64Array;
  weight: Float64Array;
  hsCode: string[];
  currency: string[];
  /** Index of the outcome in OUTCOMES. */
  outcome: Uint8Array;
  /** The goods' declared origin where it differs from the country of dispatch, else null. */
  goodsOriginElsewhere: Array<string | null>;
  /** The transit ports where goodsOriginElsewhere is set (else empty). */
  transit: string[][];
  /** The declarations of the batch with a recorded outcome (not 'unknown'), whole, in order. */
  controlled: DeclarationFacts[];
}

/** How a run read the declarations: every one from the store, or the analysis cache and what changed since it was made. */
export interface DeclarationReading {
  mode: 'full' | 'incremental';
  /** Why the run read every declaration (asked to, no cache yet, a cache of another copy of the store, ...). */
  reason?: string;
  /** Declarations read from the store (all of them in a full reading; the new and changed ones otherwise). */
  fromStore: number;
  /** Declarations taken from the cache as they were. */
  fromCache: number;
  /** Why no cache was written for the next run, if none could be. */
  cacheNotWritten?: string;
}

/**
 * The declarations of one run, as the declaration scan reads them (their day counts, then their
 * columns, streamed once), with how they were read. `keep` saves what a later run can start from
 * (the embedded store's analysis cache); it is called once the scan is done.
 */
export interface DeclarationInput extends Pick<AnalysisSource, 'declarationsPerDay' | 'streamDeclarationColumns'> {
  readonly reading: DeclarationReading;
  /**
   * The declarations' parties and values in shared memory, when read from a cache: the graph's
   * projection reads them there. Made when asked and not kept: they live as long as their reader holds them.
   */
  linkColumns?(): DeclarationLinkColumns;
  keep(): Promise<void>;
  /**
   * Lets go of what the input holds open (the cache file) when it was not read to the end: a run
   * that fails before or during its scan calls it. Idempotent, and a no-op after a full read.
   */
  release(): void;
}

/**
 * Every declaration's trader, its counterparts (one column per graph relationship, in GRAPH_RELS
 * order, 0 where there is none) and its declared value, in id order: what the trader–counterpart
 * links are aggregated from.
 */
export interface DeclarationLinkColumns {
  rows: number;
  trader: Int32Array;
  counterparts: Int32Array[];
  value: Float64Array;
}

export interface AnalysisSource {
  /**
   * The entity graph in batches; identifier links only where the identifier is shared. The
   * trader–counterpart links from `declarations` when given (a run's cached columns), else from the store.
   */
  streamEntityGraph(batchSize?: number, declarations?: DeclarationLinkColumns): AsyncIterable<EntityLink[]>;
  /** The same links in columns, where the store's ids are numbers (the embedded store); absent otherwise. */
  streamEntityGraphColumns?(batchSize?: number, declarations?: DeclarationLinkColumns): AsyncIterable<EntityLinkColumns>;
  streamEntityStats(batchSize?: number): AsyncIterable<EntityStats[]>;
  streamDeclarationFacts(batchSize?: number): AsyncIterable<DeclarationFacts[]>;
  /** Every declaration in columns, in id order (the declaration scan); parties numbered in `numbers` in order of first sight. */
  streamDeclarationColumns(numbers: IdNumbers, batchSize?: number): AsyncIterable<DeclarationColumns>;
  /** Declarations per lodging day (YYYY-MM-DD), in day order. */
  declarationsPerDay(): Promise<Array<{ day: string; count: number }>>;
  /** A run's declarations: from a cache of an earlier run and what changed since where the store keeps one, unless `full`. */
  declarationInput(opts: { full: boolean }): Promise<DeclarationInput>;
  /** Entities of the given kinds, in batches (for resolving keys in analysis and scoring). */
  streamEntities(kinds: readonly EntityKind[], batchSize?: number): AsyncIterable<Entity[]>;
  /** The entities with these ids (nodes and declarations). */
  getEntities(ids: readonly string[]): Promise<Entity[]>;
}
