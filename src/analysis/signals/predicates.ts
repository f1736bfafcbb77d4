/**
 * The customs predicates of one declaration, in one place: its unit value and the peer group it
 * is compared in (undervaluation), goods declared as originating in a country their route only
 * passed through (origin laundering), and the declared attributes whose outcome history counts.
 */
import type { DeclarationFacts } from '../../domain/results';

/** A unit value below this share of its HS-code peers' median is undervalued. */
export const UNDERVALUE_RATIO = 0.5;

export function unitValue(d: Pick<DeclarationFacts, 'value' | 'quantity' | 'weight'>): number | undefined {
  return unitValueOf(d.value, d.quantity, d.weight);
}

/** Value per unit, else per kg; none without a positive divisor. */
export function unitValueOf(value: number, quantity: number | null | undefined, weight: number | null | undefined): number | undefined {
  const q = quantity ?? weight;
  return q && q > 0 ? value / q : undefined;
}

export const medianKey = (d: Pick<DeclarationFacts, 'hsCode' | 'currency'>) => `${d.hsCode}|${d.currency}`;

/** Goods declared as originating in a country their route only passed through (ports are UN/LOCODEs). */
export function isOriginLaundering(d: Pick<DeclarationFacts, 'goodsOrigin' | 'origin' | 'transit'>): boolean {
  if (!d.goodsOrigin || d.goodsOrigin === d.origin) return false;
  return passedThrough(d.goodsOrigin, d.transit);
}

/** Whether one of the ports lies in the country (a port's UN/LOCODE starts with its country's code). */
export function passedThrough(country: string, ports: readonly string[]): boolean {
  return ports.some((port) => port.slice(0, 2).toUpperCase() === country);
}

/** The declared attributes whose outcome history the declaration scorer learns from. */
export function categoriesOf(d: Pick<DeclarationFacts, 'hsCode' | 'origin' | 'goodsOrigin' | 'trader' | 'broker' | 'supplier' | 'route' | 'attrs'>): Array<[string, string]> {
  const out: Array<[string, string]> = [
    ['hs6', d.hsCode.slice(0, 6)], ['hs4', d.hsCode.slice(0, 4)], ['hs2', d.hsCode.slice(0, 2)],
    ['origin', d.origin], ['hs6_origin', `${d.hsCode.slice(0, 6)}|${d.origin}`], ['route', d.route], ['trader', d.trader],
  ];
  if (d.goodsOrigin) out.push(['goods_origin', d.goodsOrigin], ['hs6_goods_origin', `${d.hsCode.slice(0, 6)}|${d.goodsOrigin}`]);
  if (d.broker) out.push(['broker', d.broker]);
  if (d.supplier) out.push(['supplier', d.supplier]);
  if (d.attrs) for (const [k, v] of Object.entries(d.attrs)) out.push([`attr:${k}`, v]);
  return out;
}

