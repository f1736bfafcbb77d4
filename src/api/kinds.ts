/** GraphQL enum names of entity kinds (BANK_ACCOUNT) ↔ the domain's (BankAccount). */
import { ENTITY_KINDS, type EntityKind } from '../domain/entities';

const toGql = new Map<EntityKind, string>(ENTITY_KINDS.map((k) => [k, k.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()]));
const fromGql = new Map<string, EntityKind>([...toGql].map(([k, g]) => [g, k]));

export const kindToGql = (k: EntityKind): string => toGql.get(k)!;
export const kindFromGql = (g: string): EntityKind => {
  const k = fromGql.get(g);
  if (!k) throw new Error(`unknown kind ${g}`);
  return k;
};
