/**
 * How the embedded store lays the contract out in tables: which declaration column holds which
 * relationship, which fields are columns and which sit in the `declared` JSON, node ids of
 * declarations, and the mappers from rows back to the contract's objects.
 */
import type { Declaration } from '../../domain/declaration';
import { DECLARATION_FIELDS } from '../../domain/fields';
import { DECLARATION_REL_TYPES, type DeclarationRel, type EntityKind } from '../../domain/entities';
import { declarationKey } from '../../domain/declaration-key';
import type { AnalysisRun, CommunityRecord, EntityScore } from '../../domain/results';
import { UsageError } from '../../util/errors';
import type { Entity } from '../graph-reader';
import type { DeclarationFact, EntityRef } from '../../domain/graph-facts';
import { runInState } from '../run-store';

/** Column of `declarations` holding the entity each declaration relationship points to. */
export const REL_COLUMN: Record<DeclarationRel, string> = {
  FILED_BY: 'trader_ref', CONSIGNED_TO: 'consignee_ref', SUPPLIED_BY: 'supplier_ref', DECLARED_BY: 'broker_ref',
  CARRIED_BY: 'carrier_ref', ROUTED_VIA: 'route_ref', ON_VESSEL: 'vessel_ref',
};
export const DECL_RELS: readonly DeclarationRel[] = DECLARATION_REL_TYPES;
/** Counterparts whose links to the trader make up the entity graph (vessels are transport, not parties). */
export const GRAPH_RELS: DeclarationRel[] = ['CONSIGNED_TO', 'SUPPLIED_BY', 'DECLARED_BY', 'CARRIED_BY', 'ROUTED_VIA'];
export const IDENTIFIER_LINK_TYPES = ['AT_ADDRESS', 'HAS_PHONE', 'HAS_EMAIL', 'HAS_ACCOUNT'] as const;
/** Contract fields kept as columns of `declarations`; the rest is the `declared` JSON. */
export const COLUMN_FIELDS = [
  'lodged_at', 'office', 'regime', 'transport_mode', 'origin_country', 'transit_ports', 'hs_code', 'goods_origin_country',
  'quantity', 'gross_weight_kg', 'declared_value', 'currency', 'outcome', 'fraud_type', 'recovered_amount', 'aeo',
] as const;
/**
 * Order of the values in the `declared` JSON array (positional, to keep rows small). Stored data
 * depends on it: only ever append to it.
 */
export const DECLARED_FIELDS: string[] = DECLARATION_FIELDS.filter(
  (f) => f !== 'declaration_id' && f !== 'item_no' && !(COLUMN_FIELDS as readonly string[]).includes(f),
);

/** The columns a declaration is written with, in the order of declarationValues. */
export const DECLARATION_COLUMNS: readonly string[] = ['declaration_id', 'item_no', ...COLUMN_FIELDS, ...DECL_RELS.map((r) => REL_COLUMN[r]),
  'declared', 'attrs', 'source_file', 'source_line'];

/**
 * The values of a declaration's row, in DECLARATION_COLUMNS order, its parties' entity ids and its
 * source file's id given by the writer (the store's, or a bulk import's assigned in memory).
 */
export function declarationValues(
  fact: DeclarationFact, entityId: (ref: EntityRef) => number, sourceFileId: (name: string) => number,
): unknown[] {
  const d = fact.declaration;
  const params: unknown[] = new Array(DECLARATION_COLUMNS.length);
  let i = 0;
  params[i++] = d.declaration_id;
  params[i++] = d.item_no;
  for (const f of COLUMN_FIELDS) {
    const v = d[f];
    params[i++] = v === undefined ? null : f === 'transit_ports' ? (d.transit_ports.length ? d.transit_ports.join(';') : null) : typeof v === 'boolean' ? (v ? 1 : 0) : v;
  }
  for (const rel of DECL_RELS) {
    const r = fact.parties[rel];
    params[i++] = r ? entityId(r) : null;
  }
  const declared = new Array<unknown>(DECLARED_FIELDS.length);
  for (let k = 0; k < DECLARED_FIELDS.length; k++) declared[k] = d[DECLARED_FIELDS[k] as keyof Declaration] ?? null;
  params[i++] = JSON.stringify(declared);
  params[i++] = d.attrs ? JSON.stringify(d.attrs) : null;
  params[i++] = fact.source ? sourceFileId(fact.source.file) : null;
  params[i++] = fact.source?.line ?? null;
  return params;
}

/** Declarations live in their own table; their node ids carry a `d` prefix to stay apart from entity ids. */
export const declarationNodeId = (rowid: number | bigint) => `d${rowid}`;
export const isDeclarationNode = (id: string) => id.charCodeAt(0) === 100; /* d */
export const NO_PORTS: string[] = Object.freeze([]) as unknown as string[];

/** A row id given back as a page cursor (an entity's, an audit record's): a whole number, or a client's mistake. */
export function rowIdCursor(after: string): number {
  if (!/^\d{1,15}$/.test(after)) throw new UsageError('malformed cursor');
  return Number(after);
}

/** A declaration's node id (`d` and its row id) given back as a page cursor. */
export function declarationCursor(after: string): number {
  if (!/^d\d{1,15}$/.test(after)) throw new UsageError('malformed cursor');
  return Number(after.slice(1));
}

export interface EntityRow { id: number; kind: EntityKind; key: string; name: string }

export function toEntity(r: EntityRow): Entity {
  return { id: String(r.id), kind: r.kind, key: r.key, name: r.name };
}

export function declarationEntity(r: { id: number; declaration_id: string; item_no: number }): Entity {
  return { id: declarationNodeId(r.id), kind: 'Declaration', key: declarationKey(r.declaration_id, r.item_no), name: r.declaration_id };
}

export function declarationFromRow(row: Record<string, unknown>): Declaration & { id: string } {
  const out: Record<string, unknown> = { id: declarationNodeId(row.id as number), trader_directors: [], container_ids: [] };
  (JSON.parse(row.declared as string) as unknown[]).forEach((v, k) => {
    if (v !== null) out[DECLARED_FIELDS[k] as string] = v;
  });
  for (const f of ['declaration_id', 'item_no', ...COLUMN_FIELDS]) {
    const v = row[f];
    if (f === 'transit_ports') out[f] = v ? String(v).split(';') : [];
    else if (f === 'aeo') { if (v !== null) out[f] = v === 1; }
    else if (v !== null) out[f] = v;
  }
  if (row.attrs) out.attrs = JSON.parse(row.attrs as string);
  return out as unknown as Declaration & { id: string };
}

export function communityFromRow(r: Record<string, unknown>): CommunityRecord {
  return {
    community: r.community as number, rank: r.rank as number, size: r.size as number, byKind: JSON.parse(r.by_kind as string),
    knownBad: r.known_bad as number, value: r.value as number, risk: r.risk as number,
    members: JSON.parse(r.members as string), signals: JSON.parse(r.signals as string),
  };
}

export function scoreFromRow(r: Record<string, unknown>): EntityScore {
  return {
    entityId: String(r.entity_id), kind: r.kind as EntityKind, risk: r.risk as number,
    community: (r.community as number | null) ?? undefined, component: (r.component as number | null) ?? undefined,
    pagerank: r.pagerank as number, ppr: r.ppr as number, seizures: r.seizures as number, knownBad: r.known_bad === 1,
    signals: JSON.parse(r.signals as string),
  };
}

export function runFromRow(r: Record<string, unknown>): AnalysisRun {
  return runInState({
    id: String(r.id), startedAt: r.started_at as string, seed: r.seed as number, params: JSON.parse(r.params as string),
    timings: r.timings ? JSON.parse(r.timings as string) : {}, modularity: (r.modularity as number | null) ?? undefined,
    counts: r.counts ? JSON.parse(r.counts as string) : {}, ...(r.model ? { model: JSON.parse(r.model as string) } : {}),
  }, r.status as string, (r.finished_at as string | null) ?? undefined);
}
