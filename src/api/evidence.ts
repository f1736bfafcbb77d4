/**
 * A reason's evidence as typed references an investigator can read and open: a declaration (its
 * date, goods, value and outcome), an entity, a ring of the current run, or the outcome record of a
 * declared attribute ("3 of 12 controlled declarations through broker TRANSIT ATLAS were bad").
 * Reasons carry their evidence as ids and short codes (analysis writes them compactly); this is
 * where they become words.
 */
import type { Declaration } from '../domain/declaration';
import type { Signal } from '../domain/results';
import type { Entity, StoredDeclaration } from '../store/graph-reader';
import type { ApiContext } from './context';

export type EvidenceKind = 'DECLARATION' | 'ENTITY' | 'RING' | 'CATEGORY';

export interface EvidenceRef {
  kind: EvidenceKind;
  text: string;
  declaration: StoredDeclaration | null;
  entity: Entity | null;
  community: number | null;
  category: { field: string; value: string; controlled: number; bad: number; entity: Entity | null } | null;
}

/** A reason as the API hands it on: its signal, and the community of the entity it explains (for `ring:N`). */
export type ReasonOf = Signal & { __community?: number | null };

const FIELD_WORDS: Record<string, string> = {
  hs6: 'HS code', hs4: 'HS heading', hs2: 'HS chapter', origin: 'origin', goods_origin: 'goods origin', hs6_origin: 'HS code and origin',
  hs6_goods_origin: 'HS code and goods origin', route: 'route', trader: 'trader', broker: 'broker', supplier: 'supplier',
};
/** Attribute fields whose value is an entity id. */
const ENTITY_FIELDS = new Set(['route', 'trader', 'broker', 'supplier']);
const RATIO = /^(\d+)\/(\d+) bad$/;
const CATEGORY = /^([a-z0-9_]+|attr:[^=]+)=(.*)$/s;

function amount(v: number, currency: string): string {
  return `${Math.round(v).toLocaleString('en-US')} ${currency}`;
}

export function declarationText(d: Declaration): string {
  const outcome = d.outcome === 'unknown' ? 'not controlled' : d.outcome === 'clear' ? 'controlled, clear'
    : `${d.outcome === 'seizure' ? 'seized' : 'discrepancy'}${d.fraud_type ? ` (${d.fraud_type})` : ''}${d.recovered_amount ? `, ${amount(d.recovered_amount, d.currency)} recovered` : ''}`;
  return `Declaration ${d.declaration_id}/${d.item_no} of ${d.lodged_at.slice(0, 10)}: HS ${d.hs_code}${d.goods_description ? ` ${d.goods_description}` : ''} from ${d.origin_country}, ` +
    `${amount(d.declared_value, d.currency)}, ${outcome}`;
}

function entityText(e: Entity): string {
  return `${e.kind.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()} ${e.name || e.key}`;
}

/** The references of one reason, in its evidence's order. */
export async function evidenceRefs(r: ReasonOf, ctx: ApiContext): Promise<EvidenceRef[]> {
  const none = { declaration: null, entity: null, community: null, category: null };
  const ids = r.evidence.filter((e) => !/^(ring|community):/.test(e) && !CATEGORY.test(e) && !RATIO.test(e));
  const categoryEntities = r.evidence.flatMap((e) => {
    const m = CATEGORY.exec(e);
    return m && ENTITY_FIELDS.has(m[1]!) ? [m[2]!] : [];
  });
  const entities = new Map<string, Entity>();
  for (const e of await ctx.loaders.entity.loadMany([...ids, ...categoryEntities])) if (e && !(e instanceof Error)) entities.set(e.id, e);
  const declarations = new Map<string, StoredDeclaration>();
  const declIds = [...entities.values()].filter((e) => e.kind === 'Declaration').map((e) => e.id);
  for (const d of await ctx.loaders.declaration.loadMany(declIds)) if (d && !(d instanceof Error)) declarations.set(d.id, d);

  const out: EvidenceRef[] = [];
  for (let i = 0; i < r.evidence.length; i++) {
    const e = r.evidence[i]!;
    const ring = /^(ring|community):(\d+)$/.exec(e);
    if (ring) {
      // A shared-identifier ring lies whole in one community: the entity's own, which the API shows as a ring.
      const community = ring[1] === 'community' ? Number(ring[2]) : r.__community ?? null;
      const rec = community === null ? null : await ctx.store.getCommunity(community);
      out.push({
        ...none, kind: 'RING', community: rec ? community : null,
        text: rec ? `Ring #${rec.rank}: ${rec.size} members, ${rec.knownBad} known bad, risk ${rec.risk.toFixed(2)}` : 'A ring of shared identifiers (not among the ranked rings)',
      });
      continue;
    }
    const cat = CATEGORY.exec(e);
    const ratio = cat ? RATIO.exec(r.evidence[i + 1] ?? '') : null;
    if (cat && ratio) {
      i++;
      const [, field, value] = cat as unknown as [string, string, string];
      const entity = ENTITY_FIELDS.has(field) ? entities.get(value) ?? null : null;
      const what = `${FIELD_WORDS[field] ?? field.replace(/^attr:/, '')} ${entity ? entity.name || entity.key : value.replace('|', ' from ')}`;
      out.push({
        ...none, kind: 'CATEGORY', entity, category: { field, value, controlled: Number(ratio[2]), bad: Number(ratio[1]), entity },
        text: `${ratio[1]} of ${ratio[2]} controlled declarations with ${what} had a discrepancy or a seizure`,
      });
      continue;
    }
    const found = entities.get(e);
    const declaration = found?.kind === 'Declaration' ? declarations.get(e) ?? null : null;
    if (declaration) out.push({ ...none, kind: 'DECLARATION', declaration, text: declarationText(declaration) });
    else if (found) out.push({ ...none, kind: 'ENTITY', entity: found, text: entityText(found) });
    else out.push({ ...none, kind: 'ENTITY', text: e.startsWith('new:') ? `a ${e.split(':')[1]!.toLowerCase()} not yet in the store` : `${e} (no longer in the store)` });
  }
  return out;
}
