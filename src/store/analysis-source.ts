/** What analysis reads from a store: the entity graph, per-entity figures and every declaration's facts, streamed. */
import type { EntityKind, RelType } from '../domain/entities';
import type { DeclarationFacts } from '../domain/results';
import type { Entity } from './graph-reader';

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

export interface AnalysisSource {
  /** The entity graph in batches; identifier links only where the identifier is shared. */
  streamEntityGraph(batchSize?: number): AsyncIterable<EntityLink[]>;
  streamEntityStats(batchSize?: number): AsyncIterable<EntityStats[]>;
  streamDeclarationFacts(batchSize?: number): AsyncIterable<DeclarationFacts[]>;
  /** Declarations per lodging day (YYYY-MM-DD), in day order. */
  declarationsPerDay(): Promise<Array<{ day: string; count: number }>>;
  /** Entities of the given kinds, in batches (for resolving keys in analysis and scoring). */
  streamEntities(kinds: readonly EntityKind[], batchSize?: number): AsyncIterable<Entity[]>;
  /** The entities with these ids (nodes and declarations). */
  getEntities(ids: readonly string[]): Promise<Entity[]>;
}
