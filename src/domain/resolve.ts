/**
 * Entity resolution: one validated declaration into the entities, links and declaration facts of
 * the graph model (DESIGN §4). Keys come from the normalization rules, so the same company or
 * phone declared in different ways lands on one node.
 */
import type { Declaration } from './declaration';
import { declarationKey } from './declaration-key';
import { boundedKey, boundedName, IDENTIFIER_RELS, nameCountryKey, routeKey, type EntityKind, type IdentifierKind } from './entities';
import {
  normalizeAccount, normalizeAddress, normalizeEmail, normalizeId, normalizePersonName, normalizePhone, phoneWithoutSeparators,
} from './normalize';
import type { DeclarationFact, EntityFact, GraphBatch, LinkFact } from './graph-facts';
import { GenerationalMap } from '../util/generational-map';
import { detach } from '../util/strings';

/** A bounded memo (capacity to twice capacity values): normalization of repeated values (the same phone on every row) is paid once. */
function memo(fn: (v: string) => string, capacity = 8_000): (v: string) => string {
  const cache = new GenerationalMap<string, string>(capacity);
  return (v) => {
    let out = cache.get(v);
    if (out === undefined) {
      out = detach(fn(v));
      cache.set(detach(v), out);
    }
    return out;
  };
}

export interface ResolverOptions {
  phoneRegion: string;
}

/**
 * Collects facts for one batch, each entity and link once. Maps are keyed per kind by the key
 * string itself (no concatenated composite keys: the memoized key strings keep their hash).
 */
export class BatchBuilder {
  private entities = new Map<EntityKind, Map<string, EntityFact>>();
  private links = new Map<EntityFact, Map<EntityFact, LinkFact['type'][]>>();
  private declarations: DeclarationFact[] = [];

  /** Told of every entity a declaration names, as it is resolved (the watchlist check). */
  onEntity?: (fact: EntityFact) => void;

  get size(): number {
    return this.declarations.length;
  }

  entity(kind: EntityKind, unbounded: string, name: string): EntityFact | undefined {
    if (!unbounded) return undefined;
    const key = boundedKey(unbounded);
    let byKey = this.entities.get(kind);
    if (!byKey) {
      byKey = new Map();
      this.entities.set(kind, byKey);
    }
    let fact = byKey.get(key);
    if (!fact) {
      fact = { kind, key, name: boundedName(name || key) };
      byKey.set(key, fact);
    }
    this.onEntity?.(fact);
    return fact;
  }

  link(from: EntityFact | undefined, type: LinkFact['type'], to: EntityFact | undefined): void {
    if (!from || !to) return;
    let targets = this.links.get(from);
    if (!targets) {
      targets = new Map();
      this.links.set(from, targets);
    }
    const types = targets.get(to);
    if (!types) targets.set(to, [type]);
    else if (!types.includes(type)) types.push(type);
  }

  declaration(fact: DeclarationFact): void {
    this.declarations.push(fact);
  }

  take(): GraphBatch {
    const entities: EntityFact[] = [];
    for (const byKey of this.entities.values()) for (const e of byKey.values()) entities.push(e);
    const links: LinkFact[] = [];
    for (const [from, targets] of this.links) {
      for (const [to, types] of targets) for (const type of types) links.push({ from, type, to });
    }
    const batch = { entities, links, declarations: this.declarations };
    this.entities = new Map();
    this.links = new Map();
    this.declarations = [];
    return batch;
  }
}


export class DeclarationResolver {
  private readonly phone: (v: string) => string;
  private readonly address = memo(normalizeAddress);
  private readonly id = memo(normalizeId);
  private readonly route = memo((v: string) => {
    const [origin, loading, transit, discharge, destination] = v.split('\u0000');
    return routeKey({ origin: origin ?? '', loading, transit: transit ? transit.split(';') : [], discharge, destination });
  });
  private readonly routeName = memo((key: string) => key.split('>').filter(Boolean).join(' > '));
  private readonly person = memo(normalizePersonName);
  private readonly nameKey = memo((v: string) => {
    const sep = v.lastIndexOf('\u0000');
    return nameCountryKey(v.slice(0, sep), v.slice(sep + 1) || undefined);
  });

  constructor(opts: ResolverOptions) {
    // Two levels: the ways one number is written ("+212 661-234567", "+212661234567") share a parse.
    const byDigits = memo((v) => normalizePhone(v, opts.phoneRegion));
    this.phone = memo((v) => byDigits(phoneWithoutSeparators(v)));
  }

  /** Adds the facts of one declaration to the batch. */
  resolve(d: Declaration, into: BatchBuilder, source?: { file: string; line: number }): void {
    const trader = into.entity('Trader', this.id(d.trader_id), d.trader_name ?? d.trader_id);
    this.identifier(into, trader, 'Address', d.trader_address);
    this.identifier(into, trader, 'Phone', d.trader_phone);
    this.identifier(into, trader, 'Email', d.trader_email);
    this.identifier(into, trader, 'BankAccount', d.trader_bank_account);
    for (const director of d.trader_directors) {
      into.link(into.entity('Person', this.person(director), director), 'DIRECTS', trader);
    }

    const consignee = this.party(into, 'Consignee', d.consignee_id, d.consignee_name, d.consignee_country);
    this.identifier(into, consignee, 'Address', d.consignee_address);
    const supplier = this.party(into, 'Supplier', d.supplier_id, d.supplier_name, d.supplier_country);
    this.identifier(into, supplier, 'Address', d.supplier_address);
    const broker = this.party(into, 'Broker', d.broker_id, d.broker_name, undefined);
    const carrier = this.party(into, 'Carrier', d.carrier_id, d.carrier_name, undefined);

    const rkey = this.route(`${d.origin_country}\u0000${d.loading_port ?? ''}\u0000${d.transit_ports.join(';')}\u0000${d.discharge_port ?? ''}\u0000${d.destination_country ?? ''}`);
    const route = into.entity('Route', rkey, this.routeName(rkey));
    const vessel = d.vessel ? into.entity('Vessel', this.id(d.vessel), d.vessel) : undefined;
    const containers: EntityFact[] = [];
    for (const c of d.container_ids) {
      const container = into.entity('Container', normalizeId(c), c);
      if (container) containers.push(container);
    }

    const parties: DeclarationFact['parties'] = {};
    if (trader) parties.FILED_BY = trader;
    if (consignee) parties.CONSIGNED_TO = consignee;
    if (supplier) parties.SUPPLIED_BY = supplier;
    if (broker) parties.DECLARED_BY = broker;
    if (carrier) parties.CARRIED_BY = carrier;
    if (route) parties.ROUTED_VIA = route;
    if (vessel) parties.ON_VESSEL = vessel;
    into.declaration({ key: declarationKey(d.declaration_id, d.item_no), declaration: d, parties, containers, source });
  }

  private party(into: BatchBuilder, kind: EntityKind, id: string | undefined, name: string | undefined, country: string | undefined) {
    if (id) {
      const key = this.id(id);
      if (key) return into.entity(kind, key, name ?? id);
    }
    if (!name) return undefined;
    return into.entity(kind, this.nameKey(`${name}\u0000${country ?? ''}`), name);
  }

  private identifier(into: BatchBuilder, owner: EntityFact | undefined, kind: IdentifierKind, raw: string | undefined): void {
    if (!owner || !raw) return;
    let key: string;
    switch (kind) {
      case 'Address': key = this.address(raw); break;
      case 'Phone': key = this.phone(raw); break;
      case 'Email': key = normalizeEmail(raw); break;
      case 'BankAccount': key = normalizeAccount(raw); break;
    }
    into.link(owner, IDENTIFIER_RELS[kind], into.entity(kind, key, raw));
  }
}
