/**
 * What a declaration says about the graph, keyed by (kind, key) so that any store can upsert it
 * idempotently: the entities it names, the links between them, and the declaration itself with
 * its parties. Entity resolution (resolve.ts) produces batches of these; stores write them.
 */
import type { Declaration } from './declaration';
import type { DeclarationRel, EntityKind, LinkRel } from './entities';

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
  /** `declaration_id/item_no` (declaration-key.ts), the Declaration's key. */
  key: string;
  declaration: Declaration;
  parties: Partial<Record<DeclarationRel, EntityRef>>;
  containers: EntityRef[];
  source?: { file: string; line: number };
}

/** A declaration that a write replaced: what it said before, and whether that was written by the same load. */
export interface ReplacedDeclaration {
  key: string;
  previous: Declaration;
  previousSource?: { file: string; line: number };
  /** The version that replaced it, and where it was read. */
  current: Declaration;
  source?: { file: string; line: number };
  /** The replaced version came from the load under way (a duplicate within it), not from an earlier one. */
  sameLoad: boolean;
}

/** What writing a batch changed beyond adding: the declarations it replaced. */
export interface BatchResult {
  replaced: ReplacedDeclaration[];
}

/** One batch of upserts: applied atomically, idempotent, in any order across batches. */
export interface GraphBatch {
  entities: EntityFact[];
  links: LinkFact[];
  declarations: DeclarationFact[];
}

