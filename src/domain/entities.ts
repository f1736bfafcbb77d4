/** Entity kinds, relationship types and entity keys (DESIGN §4). */
import { createHash } from 'node:crypto';
import { MAX_KEY_CHARS } from './fields';
import {
  normalizeAccount, normalizeAddress, normalizeCode, normalizeCompanyName, normalizeEmail, normalizeId,
  normalizePersonName, normalizePhone,
} from './normalize';

export const PARTY_KINDS = ['Trader', 'Consignee', 'Supplier', 'Broker', 'Carrier'] as const;
export const IDENTIFIER_KINDS = ['Address', 'Phone', 'Email', 'BankAccount'] as const;
export const ENTITY_KINDS = [
  ...PARTY_KINDS, 'Route', 'Person', ...IDENTIFIER_KINDS, 'Vessel', 'Container', 'Declaration',
] as const;

export type PartyKind = (typeof PARTY_KINDS)[number];

const PARTY_SET: ReadonlySet<string> = new Set(PARTY_KINDS);
/** Traders and their counterparts: the entities that declare, receive, supply, broker or carry. */
export function isPartyKind(kind: string): kind is PartyKind {
  return PARTY_SET.has(kind);
}
export type IdentifierKind = (typeof IDENTIFIER_KINDS)[number];
export type EntityKind = (typeof ENTITY_KINDS)[number];

/** Relationships from a declaration to the parties and things it names. */
export const DECLARATION_RELS = {
  FILED_BY: 'Trader',
  CONSIGNED_TO: 'Consignee',
  SUPPLIED_BY: 'Supplier',
  DECLARED_BY: 'Broker',
  CARRIED_BY: 'Carrier',
  ROUTED_VIA: 'Route',
  ON_VESSEL: 'Vessel',
} as const satisfies Record<string, EntityKind>;
export type DeclarationRel = keyof typeof DECLARATION_RELS;
export const DECLARATION_REL_TYPES = Object.keys(DECLARATION_RELS) as DeclarationRel[];

/** Relationship from a party to an identifier of that kind. */
export const IDENTIFIER_RELS = {
  Address: 'AT_ADDRESS',
  Phone: 'HAS_PHONE',
  Email: 'HAS_EMAIL',
  BankAccount: 'HAS_ACCOUNT',
} as const satisfies Record<IdentifierKind, string>;

export type LinkRel = (typeof IDENTIFIER_RELS)[IdentifierKind] | 'DIRECTS' | 'IN_CONTAINER';
export type RelType = DeclarationRel | LinkRel;
export const REL_TYPES: readonly RelType[] = [
  ...DECLARATION_REL_TYPES, 'AT_ADDRESS', 'HAS_PHONE', 'HAS_EMAIL', 'HAS_ACCOUNT', 'DIRECTS', 'IN_CONTAINER',
];

/** A kind's index in ENTITY_KINDS, and a type's in REL_TYPES: their codes where they travel as numbers. */
export const KIND_CODE: ReadonlyMap<EntityKind, number> = new Map(ENTITY_KINDS.map((k, i) => [k, i]));
export const REL_TYPE_CODE: ReadonlyMap<RelType, number> = new Map(REL_TYPES.map((t, i) => [t, i]));

const KIND_BY_LOWER = new Map<string, EntityKind>();
for (const kind of ENTITY_KINDS) {
  KIND_BY_LOWER.set(kind.toLowerCase(), kind);
}
KIND_BY_LOWER.set('bank_account', 'BankAccount');
KIND_BY_LOWER.set('account', 'BankAccount');
KIND_BY_LOWER.set('director', 'Person');
KIND_BY_LOWER.set('importer', 'Trader');
KIND_BY_LOWER.set('exporter', 'Trader');

/** Parses a kind as users write it ("trader", "bank_account", "BankAccount"). */
export function parseKind(text: string): EntityKind | undefined {
  return KIND_BY_LOWER.get(text.trim().toLowerCase().replace(/[\s-]/g, '_')) ?? KIND_BY_LOWER.get(text.trim().toLowerCase().replace(/[\s_-]/g, ''));
}

/**
 * A key within MAX_KEY_CHARS: a longer one keeps its start and ends with the SHA-256 of the
 * whole, so the same long address still meets itself and two long ones that differ stay apart.
 */
export function boundedKey(key: string): string {
  if (key.length <= MAX_KEY_CHARS) return key;
  return `${key.slice(0, MAX_KEY_CHARS - 65)}#${createHash('sha256').update(key).digest('hex')}`;
}

/** A display name within MAX_KEY_CHARS (it is indexed for search). */
export function boundedName(name: string): string {
  return name.length <= MAX_KEY_CHARS ? name : `${name.slice(0, MAX_KEY_CHARS - 1)}…`;
}

export interface KeyOptions {
  phoneRegion: string;
}

/** Name-based key of a counterpart without an id: name key plus country. */
export function nameCountryKey(name: string, country: string | undefined): string {
  const n = normalizeCompanyName(name);
  if (!n) return '';
  // The "name:" prefix keeps name-based keys apart from registration ids.
  return country ? `name:${n}|${normalizeCode(country)}` : `name:${n}`;
}

/** Route key: the countries and ports in order, transit ports `;`-joined. */
export function routeKey(parts: {
  origin: string; loading?: string; transit?: readonly string[]; discharge?: string; destination?: string;
}): string {
  return [parts.origin, parts.loading ?? '', (parts.transit ?? []).join(';'), parts.discharge ?? '', parts.destination ?? '']
    .map((p) => normalizeCode(p))
    .join('>');
}

/**
 * Key of an entity written as a user would (watchlist, search): the same normalization as ingest.
 * For Consignee/Supplier/Broker/Carrier a value is an id, or `name:NAME|CC` for one known by name;
 * routes are given in key form.
 */
export function keyFor(kind: EntityKind, value: string, opts: KeyOptions): string {
  return kind === 'Declaration' ? unboundedKeyFor(kind, value, opts) : boundedKey(unboundedKeyFor(kind, value, opts));
}

function unboundedKeyFor(kind: EntityKind, value: string, opts: KeyOptions): string {
  switch (kind) {
    case 'Consignee': case 'Supplier': case 'Broker': case 'Carrier': {
      const named = /^name:(.*?)(?:\|([A-Za-z]{2}))?$/.exec(value.trim());
      return named ? nameCountryKey(named[1] ?? '', named[2]) : normalizeId(value);
    }
    case 'Trader': case 'Vessel': case 'Container': return normalizeId(value);
    case 'Person': return normalizePersonName(value);
    case 'Address': return normalizeAddress(value);
    case 'Phone': return normalizePhone(value, opts.phoneRegion);
    case 'Email': return normalizeEmail(value);
    case 'BankAccount': return normalizeAccount(value);
    case 'Route': return value.split('>').map(normalizeCode).join('>');
    case 'Declaration': return value.trim();
  }
}
