/** Declarations read whole for analysis: the ones with a control outcome (the scan's labels and examples). */
import type { Outcome } from '../../domain/fields';
import type { DeclarationFacts } from '../../domain/results';
import { declarationNodeId, NO_PORTS } from './rows';

export const FACT_COLUMNS = `id, lodged_at, trader_ref, consignee_ref, supplier_ref, broker_ref, carrier_ref, route_ref, hs_code,
  origin_country, goods_origin_country, transit_ports, declared_value, quantity, gross_weight_kg, currency, outcome, attrs,
  office, regime, aeo, declaration_id, recovered_amount`;

const opt = (v: unknown) => (v === null ? undefined : String(v));
/** Transit ports as stored (`;`-separated), as a list. */
export const ports = (v: unknown) => (v ? (v as string).split(';') : NO_PORTS);

/** A declaration's facts from a row of FACT_COLUMNS: one object of one shape (attrs always present), no per-row empty arrays. */
export function factOf(r: unknown[]): DeclarationFacts {
  return {
    id: declarationNodeId(r[0] as number), lodgedAt: r[1] as string, trader: String(r[2]), consignee: opt(r[3]),
    supplier: opt(r[4]), broker: opt(r[5]), carrier: opt(r[6]), route: String(r[7]), hsCode: r[8] as string, origin: r[9] as string,
    goodsOrigin: (r[10] as string | null) ?? undefined, transit: ports(r[11]), value: r[12] as number,
    quantity: (r[13] as number | null) ?? undefined, weight: (r[14] as number | null) ?? undefined, currency: r[15] as string,
    outcome: r[16] as Outcome, attrs: r[17] ? (JSON.parse(r[17] as string) as Record<string, string>) : undefined,
    office: opt(r[18]), regime: r[19] as string, aeo: r[20] === null ? undefined : r[20] === 1,
    declarationId: r[21] as string, recovered: (r[22] as number | null) ?? undefined,
  };
}

/** The store id of a declaration read whole (`d123` -> 123). */
export const idOf = (d: DeclarationFacts) => Number(d.id.slice(1));
