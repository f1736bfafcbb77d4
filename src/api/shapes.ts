/** The store's objects in the shapes of graphql/schema.graphql, shared by the resolvers of every type. */
import type { Declaration as DeclarationRow } from '../domain/declaration';
import type { CommunityRecord } from '../domain/results';
import type { Entity, Subgraph } from '../store/graph-reader';
import { medianKey, unitValue } from '../analysis/signals/predicates';
import { kindToGql } from './kinds';

export function gqlEntity(e: Entity) {
  return { ...e, kind: kindToGql(e.kind), __entity: e };
}

export function subgraphOut(sub: Subgraph) {
  return { nodes: sub.nodes.map(gqlEntity), edges: sub.edges, truncated: sub.truncated };
}

/** A ring: a community of run `runId` (its global id names both). */
export function ringOut(c: CommunityRecord, runId: string) {
  return {
    runId, community: c.community, rank: c.rank, size: c.size, risk: c.risk, knownBad: c.knownBad, value: c.value,
    membersByKind: c.byKind, reasons: c.signals, __record: c,
  };
}

export function declarationOut(d: DeclarationRow & { id: string }) {
  const perUnit = unitValue({ value: d.declared_value, quantity: d.quantity, weight: d.gross_weight_kg });
  return {
    id: d.id, declarationId: d.declaration_id, itemNo: d.item_no, lodgedOn: d.lodged_at, lodgedAt: d.lodged_at.length > 10 ? d.lodged_at : null, office: d.office ?? null, regime: d.regime, hsCode: d.hs_code,
    goodsDescription: d.goods_description ?? null, originCountry: d.origin_country, goodsOriginCountry: d.goods_origin_country ?? null,
    transportMode: d.transport_mode ?? null, vessel: d.vessel ?? null, containerIds: d.container_ids ?? [], loadingPort: d.loading_port ?? null,
    transitPorts: d.transit_ports, dischargePort: d.discharge_port ?? null, destinationCountry: d.destination_country ?? null,
    quantity: d.quantity ?? null, unit: d.unit ?? null, grossWeightKg: d.gross_weight_kg ?? null, declaredValue: d.declared_value, currency: d.currency,
    unitValue: perUnit === undefined ? null : Math.round(perUnit * 1e4) / 1e4, outcome: d.outcome, fraudType: d.fraud_type ?? null,
    recoveredAmount: d.recovered_amount ?? null, aeo: d.aeo ?? null, __medianKey: medianKey({ hsCode: d.hs_code, currency: d.currency }),
  };
}
