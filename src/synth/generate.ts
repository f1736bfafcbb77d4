/**
 * Synthetic declarations with planted fraud and its ground truth.
 *
 * Planted: shell-company rings chained by shared identifiers (A shares a phone with B, B a bank
 * account with C, C a director with D, ...), broker-centred clusters, origin laundering through a
 * transit country, circular trade between ring members, undervaluation, new traders with sudden
 * volume. Honest look-alikes: business-centre addresses shared by many unrelated companies,
 * family groups sharing a director, giant carriers and brokers that serve everyone. Identifier
 * formats vary between declarations, and only a minority of ring members has a recorded seizure.
 *
 * The world knobs (WorldKnobs) make it harder along independent axes, for evaluating the model on
 * worlds it was not tuned on: how much of a ring's trade is seized, how its members are tied,
 * how many honest firms look like rings, how identifiers are disguised, whether rings rotate
 * brokers, how many honest traders have an occasional seizure, how much of a ring's trade is
 * undervalued. Their draws come from a second random stream, so a world without knobs is the
 * classic one, declaration for declaration.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { DECLARATION_FIELDS } from '../domain/fields';
import { Rng } from '../util/rng';
import {
  CITIES, DISCHARGE_PORTS, FIRST_NAMES, FOREIGN_COUNTRIES, GIANT_CARRIERS, GOODS, LAST_NAMES, LAUNDERING_HUBS, LEGAL_FORMS,
  NAME_TRADES, NAME_WORDS, OFFICES, PORTS, SMALL_CARRIERS, STREETS, STREET_TYPES, type Goods,
} from './reference';

/** How hard the world is; every knob is optional and an unset knob keeps the classic world. */
export interface WorldKnobs {
  /** Share of a ring's declarations that is seized (0.01 to 0.1), on the half of its members customs has caught. Unset: 30% of members are caught, at 60% of their controls. */
  seizureShare?: number;
  /** How members are tied: a chain (each member shares one identifier with the next), cliques (a few identifiers most members share), or mixed (a chain, some pairs sharing two). */
  ties?: 'mixed' | 'chain' | 'clique';
  /** Share of honest firms in look-alike groups: business centres, family groups sharing a director, domiciliation companies. Unset: about 10%, business centres and families only. */
  lookalikes?: number;
  /** Probability that an identifier is written disguised on a declaration: a digit typo, an e-mail variant, a transliterated name. */
  disguise?: number;
  /** Rings spread their declarations over several brokers instead of using their own. */
  rotate?: boolean;
  /** Share of honest traders with one seizure on record. Unset: every honest control may find something (1%, 8% for a few). */
  honestSeizures?: number;
  /** Share of a ring member's declarations that is undervalued (default 1: all). */
  fraudShare?: number;
  /** Share of ring members that blend in: trading from the first month at an ordinary volume, buying half their goods from ordinary suppliers. */
  blend?: number;
  /** Share of honest traders that declare some goods far below their peers' unit values (seconds, discount sources). */
  honestUndervaluation?: number;
  /**
   * A planted bias in the labels: of the controls of goods from this origin country that found
   * nothing, this share is recorded as a discrepancy all the same (no fraud type, nothing
   * recovered), as a suspicious habit would record them, so the origin looks riskier in the
   * labels than in truth. The ground truth (labels.csv, truth.json) is unchanged.
   */
  biasOrigin?: { country: string; share: number };
}

export interface SynthOptions extends WorldKnobs {
  traders: number;
  rings: number;
  seed: number;
  months: number;
  /** First day of the period, YYYY-MM-DD. */
  start: string;
  /** Mean declarations per honest trader over the period. */
  declarationsPerTrader: number;
}

export const SYNTH_DEFAULTS: SynthOptions = {
  traders: 2000, rings: 0, seed: 42, months: 12, start: '2025-01-01', declarationsPerTrader: 16,
};

/** Rings scale with the number of traders unless given: about one ring per 70 traders. */
export function defaultRings(traders: number): number {
  return Math.max(1, Math.round(traders / 70));
}

export type RingType = 'shell' | 'broker';

export interface PlantedRing {
  id: string;
  type: RingType;
  members: string[];
  broker: string;
  suppliers: string[];
  patterns: string[];
  /** The identifiers that chain the members: pairs of trader ids and what they share. */
  links: Array<{ a: string; b: string; kind: 'phone' | 'bank_account' | 'director' | 'email' | 'address' }>;
  /** Members with at least one seizure on record. */
  seized: string[];
}

export interface Truth {
  seed: number;
  options: SynthOptions;
  rings: PlantedRing[];
  lookalikes: {
    businessCentres: Array<{ address: string; traders: string[] }>;
    familyGroups: Array<{ director: string; traders: string[] }>;
    /** Clients of a domiciliation company: its address, and its phone or e-mail. */
    domiciliations: Array<{ address: string; traders: string[] }>;
    giantCarriers: string[];
    bigBrokers: string[];
  };
  counts: { traders: number; ringMembers: number; declarations: number; rows: number; seizures: number };
}

interface Identity {
  id: string;
  word: string;
  trade: string;
  address: { num: number; type: string; street: string; city: string };
  phone: string; // E.164 national significant part, e.g. 661234567
  email: string;
  account: string; // 24 digits
  directors: string[]; // "First|Last"
}

interface Trader extends Identity {
  ring?: PlantedRing;
  activity: number;
  startMonth: number;
  goods: Goods[];
  suppliers: Supplier[];
  brokers: Broker[];
  undervalues: boolean;
  launders: boolean;
  /** Consignee ids this trader ships to (domestic ring partners in circular trade). */
  partners: string[];
  /** Seizure probability of a controlled declaration. */
  seizureRate: number;
  /** The one declaration (by index) of an honest trader with an occasional seizure that is controlled and seized. */
  seizedDeclaration?: number;
  /** Suppliers a blending ring member buys half its goods from, besides the ring's own. */
  ordinarySuppliers?: Supplier[];
  /** Share of its declarations that is undervalued (ring members; honest traders with discount sources). */
  fraudShare?: number;
}

interface Supplier { id: string; name: string; country: string; address: string }
interface Broker { id: string; name: string }

export interface SynthResult {
  dir: string;
  declarationsFile: string;
  watchlistFile: string;
  /** Ground truth of every declaration: declaration_id, item_no, fraud, fraud_value. */
  labelsFile: string;
  truthFile: string;
  truth: Truth;
}

export async function generateSynthetic(dir: string, options: Partial<SynthOptions> = {}, onProgress?: (done: number, total: number) => void): Promise<SynthResult> {
  const opts: SynthOptions = { ...SYNTH_DEFAULTS, ...options };
  if (!opts.rings) opts.rings = defaultRings(opts.traders);
  const rng = new Rng(opts.seed);
  const g = new Generator(rng, opts);
  g.build();
  await mkdir(dir, { recursive: true });
  const declarationsFile = join(dir, 'declarations.csv');
  const stats = await g.writeDeclarations(declarationsFile, onProgress);
  const labelsFile = join(dir, 'labels.csv');
  await writeFile(labelsFile, stringify([['declaration_id', 'item_no', 'fraud', 'fraud_value'], ...g.labels]));
  g.labels = [];
  const watchlistFile = join(dir, 'watchlist.csv');
  await writeFile(watchlistFile, g.watchlistCsv());
  const truth = g.truth(stats);
  const truthFile = join(dir, 'truth.json');
  await writeFile(truthFile, JSON.stringify(truth, null, 2));
  return { dir, declarationsFile, watchlistFile, labelsFile, truthFile, truth };
}

class Generator {
  private traders: Trader[] = [];
  private rings: PlantedRing[] = [];
  private suppliers: Supplier[] = [];
  private ringSuppliers: Supplier[] = [];
  private brokers: Broker[] = [];
  private bigBrokers: Broker[] = [];
  private businessCentres: Array<{ address: Identity['address']; traders: string[] }> = [];
  private familyGroups: Array<{ director: string; traders: string[] }> = [];
  private domiciliations: Array<{ address: Identity['address']; traders: string[] }> = [];
  /** The knobs' own random stream: the main one draws exactly what the classic world draws. */
  private readonly hard: Rng;
  /** The planted bias's stream and the AEO flags': knob worlds made before them stay as they were. */
  private readonly biasRng: Rng;
  private readonly aeoRng: Rng;
  private readonly aeo = new Map<string, boolean>();
  private usedIds = new Set<string>();
  /** declaration_id, item_no, fraud (0/1), fraud_value: the ground truth of every declaration. */
  labels: string[][] = [];
  private seq = 0;

  constructor(private readonly rng: Rng, private readonly opts: SynthOptions) {
    this.hard = new Rng((opts.seed * 2654435761) >>> 0 ^ 0x5eed);
    this.biasRng = new Rng((opts.seed * 2246822519) >>> 0 ^ 0xb1a5);
    this.aeoRng = new Rng((opts.seed * 3266489917) >>> 0 ^ 0xae0);
  }

  /** About one established honest trader in eight is an authorised economic operator; no ring member is. */
  private isAeo(t: Trader): boolean {
    let v = this.aeo.get(t.id);
    if (v === undefined) this.aeo.set(t.id, (v = !t.ring && t.startMonth === 0 && this.aeoRng.chance(AEO_SHARE)));
    return v;
  }

  /** The planted label bias: clean controls of the biased origin recorded as discrepancies with nothing recovered. */
  private biasLabels(rows: string[][]): void {
    const bias = this.opts.biasOrigin;
    if (!bias) return;
    for (const row of rows) {
      if (row[ORIGIN_COLUMN] !== bias.country || row[OUTCOME_COLUMN] !== 'clear' || !this.biasRng.chance(bias.share)) continue;
      row[OUTCOME_COLUMN] = 'discrepancy';
    }
  }

  build(): void {
    const r = this.rng;
    const nSuppliers = Math.max(50, Math.round(this.opts.traders * 0.6));
    for (let i = 0; i < nSuppliers; i++) this.suppliers.push(this.newSupplier(r.pick(FOREIGN_COUNTRIES)));
    const nBrokers = Math.max(10, Math.round(this.opts.traders / 25));
    for (let i = 0; i < nBrokers; i++) this.brokers.push({ id: `BRK${String(1000 + i)}`, name: `Transit ${r.pick(NAME_WORDS)} ${r.pick(LAST_NAMES)}` });
    this.bigBrokers = this.brokers.slice(0, 5);

    // Rings first, so their sizes are known; honest traders fill the rest.
    let ringMembers = 0;
    for (let i = 0; i < this.opts.rings; i++) {
      const type: RingType = i % 4 === 3 ? 'broker' : 'shell';
      const size = type === 'shell' ? 4 + r.int(5) : 5 + r.int(5);
      this.plantRing(`R${String(i + 1).padStart(3, '0')}`, type, size);
      ringMembers += size;
    }
    const honest = Math.max(0, this.opts.traders - ringMembers);
    const honestTraders: Trader[] = [];
    for (let i = 0; i < honest; i++) honestTraders.push(this.newHonestTrader());
    this.traders.push(...honestTraders);
    if (this.opts.lookalikes === undefined) this.plantLookalikes(honestTraders);
    else this.plantLookalikeGroups(honestTraders, this.opts.lookalikes);
    if (this.opts.honestUndervaluation !== undefined) {
      for (const t of honestTraders) {
        if (!this.hard.chance(this.opts.honestUndervaluation)) continue;
        t.undervalues = true;
        t.fraudShare = 0.2 + 0.4 * this.hard.next();
      }
    }
    if (this.opts.honestSeizures !== undefined) {
      for (const t of honestTraders) {
        t.seizureRate = 0;
        if (this.hard.chance(this.opts.honestSeizures)) t.seizedDeclaration = this.hard.int(t.activity);
      }
    }
  }

  private uniqueId(make: () => string): string {
    for (;;) {
      const id = make();
      if (!this.usedIds.has(id)) {
        this.usedIds.add(id);
        return id;
      }
    }
  }

  private newIdentity(): Identity {
    const r = this.rng;
    const n = ++this.seq;
    return {
      id: this.uniqueId(() => String(1_000_000_000 + r.int(8_999_999_999)).padStart(15, '0')), // ICE, 15 digits
      word: `${r.pick(NAME_WORDS)}${r.chance(0.5) ? ` ${r.pick(NAME_WORDS)}` : ''}${r.chance(0.4) ? ` ${n % 97}` : ''}`,
      trade: r.pick(NAME_TRADES),
      address: { num: 1 + r.int(300), type: r.pick(STREET_TYPES), street: r.pick(STREETS), city: r.pick(CITIES) },
      phone: this.uniqueId(() => `${r.pick(['6', '7', '5'])}${String(r.int(100_000_000)).padStart(8, '0')}`),
      email: `contact${n}@${r.pick(NAME_WORDS).toLowerCase()}${n}.ma`,
      account: this.uniqueId(() => `0${String(r.int(1e9)).padStart(9, '0')}${String(r.int(1e9)).padStart(9, '0')}${String(r.int(1e5)).padStart(5, '0')}`),
      directors: [`${r.pick(FIRST_NAMES)}|${r.pick(LAST_NAMES)} ${n}`],
    };
  }

  private newSupplier(country: string): Supplier {
    const r = this.rng;
    const n = this.suppliers.length + this.ringSuppliers.length + 1;
    return {
      id: `${country}SUP${String(n).padStart(6, '0')}`,
      name: `${r.pick(NAME_WORDS)} ${r.pick(['Industrial', 'Manufacturing', 'Export', 'Textile', 'Steel', 'Electronics'])} ${r.pick(['Co Ltd', 'GmbH', 'SL', 'Srl', 'Ltd', 'Inc'])}`,
      country,
      address: `${1 + r.int(900)} ${r.pick(['Industrial Road', 'Harbour Street', 'Trade Avenue', 'Export Zone'])}`,
    };
  }

  private pickGoods(n: number): Goods[] {
    const out = new Set<Goods>();
    while (out.size < n) out.add(this.rng.pick(GOODS));
    return [...out];
  }

  private honestBrokers(): Broker[] {
    const r = this.rng;
    return r.chance(0.45) ? [r.pick(this.bigBrokers)] : [r.pick(this.brokers), ...(r.chance(0.3) ? [r.pick(this.brokers)] : [])];
  }

  private newHonestTrader(): Trader {
    const r = this.rng;
    const goods = this.pickGoods(1 + r.int(3));
    const suppliers: Supplier[] = [];
    for (const gd of goods) {
      const country = r.pick(gd.origins);
      const local = this.suppliers.filter((s) => s.country === country);
      suppliers.push(local.length ? r.pick(local) : r.pick(this.suppliers));
    }
    return {
      ...this.newIdentity(),
      activity: Math.max(1, Math.round(this.opts.declarationsPerTrader * Math.exp(r.normal() * 0.8 - 0.32))),
      startMonth: r.chance(0.85) ? 0 : r.int(this.opts.months),
      goods, suppliers, brokers: this.honestBrokers(),
      undervalues: false, launders: false, partners: [],
      seizureRate: r.chance(0.05) ? 0.08 : 0.01,
    };
  }

  private plantRing(id: string, type: RingType, size: number): void {
    const r = this.rng;
    const broker = type === 'broker'
      ? { id: `BRK${String(9000 + this.rings.length)}`, name: `Cabinet ${r.pick(LAST_NAMES)} Transit` }
      : r.pick(this.brokers.slice(5));
    if (type === 'broker') this.brokers.push(broker);
    const goods = this.pickGoods(1 + r.int(2)).concat(GOODS.filter((gd) => gd.highRisk).slice(r.int(4), r.int(4) + 1));
    const launders = r.chance(0.4);
    const hub = r.pick(LAUNDERING_HUBS);
    // The ring's own suppliers, kept out of the pool honest traders buy from.
    const ringSuppliers = [this.newSupplier(launders ? hub : r.pick(FOREIGN_COUNTRIES))];
    if (r.chance(0.5)) ringSuppliers.push(this.newSupplier(r.pick(FOREIGN_COUNTRIES)));
    this.ringSuppliers.push(...ringSuppliers);
    const circular = type === 'shell' && r.chance(0.35);
    const ring: PlantedRing = {
      id, type, members: [], broker: broker.id, suppliers: ringSuppliers.map((s) => s.id), links: [], seized: [],
      patterns: ['undervaluation', ...(launders ? ['origin'] : []), ...(circular ? ['circular'] : []), 'new-trader'],
    };
    const members: Trader[] = [];
    const startMonth = 1 + r.int(Math.max(1, Math.floor(this.opts.months / 2)));
    for (let i = 0; i < size; i++) {
      const m: Trader = {
        ...this.newIdentity(), ring,
        activity: Math.max(3, Math.round(this.opts.declarationsPerTrader * r.between(1.0, 2.2))),
        startMonth: Math.min(this.opts.months - 1, startMonth + r.int(2)),
        goods, suppliers: ringSuppliers,
        // Ring members mostly use the ring's broker, sometimes a big one to blend in.
        brokers: type === 'broker' ? [broker] : [broker, broker, broker, r.pick(this.bigBrokers)],
        undervalues: true, launders, partners: [],
        seizureRate: 0,
      };
      if (this.opts.rotate) {
        const h = this.hard;
        m.brokers = [...(type === 'broker' ? [broker] : []), h.pick(this.brokers), h.pick(this.brokers), h.pick(this.bigBrokers)];
      }
      if (this.opts.fraudShare !== undefined) m.fraudShare = this.opts.fraudShare;
      if (this.opts.blend !== undefined && this.hard.chance(this.opts.blend)) {
        const h = this.hard;
        m.startMonth = 0;
        m.activity = Math.max(1, Math.round(this.opts.declarationsPerTrader * Math.exp(h.normal() * 0.8 - 0.32)));
        m.ordinarySuppliers = ringSuppliers.map(() => h.pick(this.suppliers));
      }
      members.push(m);
    }
    if (type === 'shell' && this.opts.ties !== undefined && this.opts.ties !== 'mixed') {
      this.tie(ring, members, this.opts.ties);
    } else if (type === 'shell') {
      // Chain of shared identifiers, each pair through a different kind; some pairs share two.
      const offset = r.int(TIE_KINDS.length);
      for (let i = 0; i + 1 < members.length; i++) {
        const [a, b] = [members[i]!, members[i + 1]!];
        shareIdentifier(ring, a, b, TIE_KINDS[(offset + i) % TIE_KINDS.length]!);
        if (r.chance(0.4)) shareIdentifier(ring, a, b, TIE_KINDS[(offset + i + 2) % TIE_KINDS.length]!);
      }
    }
    if (circular) {
      for (let i = 0; i < members.length; i++) members[i]!.partners = [members[(i + 1) % members.length]!.id];
    }
    // Only a minority of members has been caught.
    const caught = Math.max(1, Math.round(size * 0.3));
    r.shuffle([...members]).slice(0, caught).forEach((m) => { m.seizureRate = 0.6; });
    // Or: a given share of the ring's declarations is seized, all of it on the half of the members
    // that customs has caught (once caught, a trader is found out at every control).
    if (this.opts.seizureShare !== undefined) {
      const rate = Math.min(1, this.opts.seizureShare / (RING_CONTROL_RATE * CAUGHT_SHARE));
      for (const m of members) m.seizureRate = this.hard.chance(CAUGHT_SHARE) ? rate : 0;
    }
    ring.members = members.map((m) => m.id);
    this.rings.push(ring);
    this.traders.push(...members);
  }

  /** Ties of a shell ring with the knobs: a strict chain (one identifier per pair), or cliques. */
  private tie(ring: PlantedRing, members: Trader[], ties: 'chain' | 'clique'): void {
    const h = this.hard;
    const share = (a: Trader, b: Trader, kind: TieKind) => shareIdentifier(ring, a, b, kind);
    if (ties === 'chain') {
      const offset = h.int(TIE_KINDS.length);
      for (let i = 0; i + 1 < members.length; i++) share(members[i]!, members[i + 1]!, TIE_KINDS[(offset + i) % TIE_KINDS.length]!);
      return;
    }
    // Cliques: two strong identifiers of the first member; each other member takes one, some both.
    const strong = h.shuffle(['phone', 'bank_account', 'email', 'director'] as TieKind[]);
    const [first, second] = [strong[0]!, strong[1]!];
    const hub = members[0]!;
    for (const m of members.slice(1)) {
      const main = h.chance(0.7) ? first : second;
      share(hub, m, main);
      if (h.chance(0.3)) share(hub, m, main === first ? second : first);
    }
  }

  /**
   * Honest firms that look like rings, a given share of them: business centres (one address, from
   * four tenants to thirty, the smaller ones with a shared switchboard phone), family groups (a
   * director, often an address or a phone, sometimes the same trade and suppliers), clients of
   * domiciliation companies (its address, and its phone or e-mail).
   */
  private plantLookalikeGroups(honest: Trader[], share: number): void {
    const h = this.hard;
    const pool = h.shuffle([...honest]);
    const budget = Math.round(pool.length * Math.min(1, share));
    let p = 0;
    const take = (n: number) => {
      const group = pool.slice(p, Math.min(budget, p + n));
      p += group.length;
      return group;
    };
    const centreEnd = budget * 0.45;
    for (let i = 0; p < centreEnd; i++) {
      const tenants = take(4 + h.int(27));
      if (tenants.length < 2) break;
      const address = { num: 10 + i, type: 'Boulevard', street: h.pick(STREETS), city: h.pick(CITIES) };
      const switchboard = tenants.length <= 8 && h.chance(0.5) ? tenants[0]!.phone : undefined;
      for (const t of tenants) {
        t.address = address;
        if (switchboard) t.phone = switchboard;
      }
      this.businessCentres.push({ address, traders: tenants.map((t) => t.id) });
    }
    const familyEnd = budget * 0.75;
    while (p < familyEnd) {
      const members = take(2 + h.int(4));
      if (members.length < 2) break;
      const head = members[0]!;
      const director = head.directors[0] as string;
      const sameOffice = h.chance(0.6);
      const samePhone = h.chance(0.3);
      const sameTrade = h.chance(0.4);
      for (const m of members.slice(1)) {
        m.directors = [...m.directors, director];
        if (sameOffice) m.address = head.address;
        if (samePhone) m.phone = head.phone;
        if (sameTrade) {
          m.goods = head.goods;
          m.suppliers = head.suppliers;
        }
      }
      this.familyGroups.push({ director: director.replace('|', ' '), traders: members.map((m) => m.id) });
    }
    for (let i = 0; p < budget; i++) {
      const clients = take(5 + h.int(11));
      if (clients.length < 2) break;
      const address = { num: 1 + i, type: 'Rue', street: h.pick(STREETS), city: h.pick(CITIES) };
      const byPhone = h.chance(0.5);
      const phone = clients[0]!.phone;
      const email = `domiciliation${i + 1}@${h.pick(NAME_WORDS).toLowerCase()}-domiciliation.ma`;
      for (const c of clients) {
        c.address = address;
        if (byPhone) c.phone = phone;
        else c.email = email;
      }
      this.domiciliations.push({ address, traders: clients.map((c) => c.id) });
    }
  }

  private plantLookalikes(honest: Trader[]): void {
    const r = this.rng;
    const pool = r.shuffle([...honest]);
    let p = 0;
    const nCentres = Math.max(2, Math.round(this.opts.traders / 250));
    for (let i = 0; i < nCentres && p < pool.length; i++) {
      const address = { num: 10 + i, type: 'Boulevard', street: r.pick(STREETS), city: 'Casablanca' };
      const tenants = pool.slice(p, p + 10 + r.int(16));
      p += tenants.length;
      for (const t of tenants) t.address = address;
      this.businessCentres.push({ address, traders: tenants.map((t) => t.id) });
    }
    const nFamilies = Math.max(2, Math.round(this.opts.traders / 80));
    for (let i = 0; i < nFamilies && p < pool.length; i++) {
      const members = pool.slice(p, p + 2 + r.int(2));
      p += members.length;
      const director = (members[0] as Trader).directors[0] as string;
      for (const m of members.slice(1)) m.directors = [...m.directors, director];
      this.familyGroups.push({ director: director.replace('|', ' '), traders: members.map((m) => m.id) });
    }
  }

  // ---- variations of how the same identity is written ----

  /** With the disguise knob: whether this mention of an identifier is disguised. */
  private disguised(): boolean {
    return this.opts.disguise !== undefined && this.opts.disguise > 0 && this.hard.chance(this.opts.disguise);
  }

  /** One digit changed: the kind of typo that makes a phone or an account another identifier. */
  private typo(digits: string): string {
    const at = this.hard.int(digits.length - 1) + 1;
    const d = (Number(digits[at]) + 1 + this.hard.int(8)) % 10;
    return `${digits.slice(0, at)}${d}${digits.slice(at + 1)}`;
  }

  private emailText(e: string): string {
    if (this.disguised()) {
      const [local, domain] = e.split('@') as [string, string];
      return this.hard.chance(0.5) ? `${local}.${this.hard.int(10)}@${domain}` : `${local}@${domain.replace(/\.ma$/, '.co.ma')}`;
    }
    return this.rng.chance(0.3) ? e.toUpperCase() : e;
  }

  private companyName(t: Identity): string {
    const r = this.rng;
    const form = r.pick(LEGAL_FORMS);
    const base = `${t.word} ${t.trade}`;
    const name = form === 'Sté' || form === 'Société' || form === 'STE' ? `${form} ${base}` : `${base} ${form}`.trim();
    return r.chance(0.3) ? name.toUpperCase() : name;
  }

  private phoneText(p: string): string {
    if (this.disguised()) p = this.typo(p);
    switch (this.rng.int(5)) {
      case 0: return `+212 ${p.slice(0, 3)}-${p.slice(3)}`;
      case 1: return `0${p}`;
      case 2: return `00212${p}`;
      case 3: return `0${p.slice(0, 1)} ${p.slice(1, 3)} ${p.slice(3, 5)} ${p.slice(5, 7)} ${p.slice(7)}`;
      default: return `+212${p}`;
    }
  }

  private addressText(a: Identity['address']): string {
    const abbrev = a.type === 'Boulevard' ? this.rng.pick(['Bd', 'Bd.', 'Boulevard', 'BD']) : a.type === 'Avenue' ? this.rng.pick(['Av', 'Av.', 'Avenue']) : 'Rue';
    switch (this.rng.int(3)) {
      case 0: return `${abbrev} ${a.street} N° ${a.num}, ${a.city}`;
      case 1: return `${a.num}, ${a.type} ${a.street} - ${a.city}`;
      default: return `${a.num} ${abbrev} ${a.street} ${a.city}`.toUpperCase();
    }
  }

  private accountText(acc: string): string {
    if (this.disguised()) acc = this.typo(acc);
    switch (this.rng.int(3)) {
      case 0: return acc;
      case 1: return `${acc.slice(0, 3)} ${acc.slice(3, 6)} ${acc.slice(6, 22)} ${acc.slice(22)}`;
      default: return `${acc.slice(0, 3)}-${acc.slice(3, 6)}-${acc.slice(6, 22)}-${acc.slice(22)}`;
    }
  }

  private personText(d: string): string {
    let [first, last] = d.split('|') as [string, string];
    if (this.disguised()) [first, last] = [transliterate(first), transliterate(last)];
    switch (this.rng.int(3)) {
      case 0: return `${first} ${last}`;
      case 1: return `${last.toUpperCase()} ${first}`;
      default: return `M. ${first} ${last.toUpperCase()}`;
    }
  }

  // ---- declarations ----

  async writeDeclarations(file: string, onProgress?: (done: number, total: number) => void): Promise<{ declarations: number; rows: number; seizures: number }> {
    const out = createWriteStream(file);
    let failure: Error | undefined;
    out.on('error', (err) => { failure = err; });
    const write = (text: string) => new Promise<void>((resolve, reject) => {
      if (failure) reject(failure);
      else if (out.write(text)) resolve();
      else out.once('drain', resolve);
    });
    await write(stringify([DECLARATION_FIELDS as unknown as string[]]));
    const stats = { declarations: 0, rows: 0, seizures: 0 };
    const seized = new Set<string>();
    let buffer: string[][] = [];
    for (let i = 0; i < this.traders.length; i++) {
      const t = this.traders[i] as Trader;
      for (let k = 0; k < t.activity; k++) {
        const rows = this.declaration(t, ++stats.declarations, k);
        for (const row of rows) {
          if (row[DECLARATION_FIELDS.indexOf('outcome')] === 'seizure') {
            stats.seizures++;
            seized.add(t.id);
          }
          buffer.push(row);
        }
        stats.rows += rows.length;
      }
      if (buffer.length >= 2000) {
        await write(stringify(buffer));
        buffer = [];
        onProgress?.(i + 1, this.traders.length);
      }
    }
    if (buffer.length) await write(stringify(buffer));
    onProgress?.(this.traders.length, this.traders.length);
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    for (const ring of this.rings) ring.seized = ring.members.filter((m) => seized.has(m));
    return stats;
  }

  private dateIn(t: Trader): string {
    const [y, m] = this.opts.start.split('-').map(Number) as [number, number];
    const month = t.startMonth + this.rng.int(Math.max(1, this.opts.months - t.startMonth));
    const d = new Date(Date.UTC(y, m - 1 + month, 1 + this.rng.int(28)));
    return d.toISOString().slice(0, 10);
  }

  private declaration(t: Trader, n: number, k: number): string[][] {
    const r = this.rng;
    const items = r.chance(0.25) ? 2 : 1;
    const lodged = this.dateIn(t);
    const broker = r.pick(t.brokers);
    const gi = r.int(t.goods.length);
    const sea = r.chance(0.8);
    const carrier = sea ? (r.chance(0.75) ? r.pick(GIANT_CARRIERS) : r.pick(SMALL_CARRIERS)) : r.pick(SMALL_CARRIERS.slice(3, 5));
    const declId = `${lodged.slice(0, 4)}${String(n).padStart(9, '0')}`;
    const forced = t.seizedDeclaration === k;
    const controlled = r.chance(t.ring ? RING_CONTROL_RATE : HONEST_CONTROL_RATE) || forced;
    // With the fraud-share knob only some of a member's declarations are undervalued.
    const undervalued = t.undervalues && (t.fraudShare === undefined || this.hard.chance(t.fraudShare));
    const directors = t.directors.map((d) => this.personText(d)).join(';');
    const rows: string[][] = [];
    for (let item = 1; item <= items; item++) {
      const goods = t.goods[(gi + item - 1) % t.goods.length] as Goods;
      const supplier = t.ordinarySuppliers && this.hard.chance(0.5)
        ? this.hard.pick(t.ordinarySuppliers)
        : t.suppliers[(gi + item - 1) % t.suppliers.length] as Supplier;
      const trueOrigin = t.launders ? (goods.origins.includes('CN') ? 'CN' : goods.origins[0] as string) : r.pick(goods.origins);
      let origin = supplier.country === 'MT' ? trueOrigin : supplier.country;
      let goodsOrigin = trueOrigin;
      let transit: string[] = [];
      if (t.launders) {
        // Goods leave their real origin, pass through the hub, and are declared as the hub's.
        origin = trueOrigin;
        transit = [(PORTS[supplier.country] ?? ['AEJEA'])[0] as string];
        goodsOrigin = supplier.country;
      } else if (r.chance(0.1)) {
        transit = [r.pick(['ESALG', 'MTMAR', 'AEJEA'])];
      }
      const weight = Math.round(Math.exp(r.normal() * 0.9 + 7));
      const trueUnitValue = goods.valuePerKg * Math.exp(r.normal() * 0.25);
      const cut = t.undervalues ? r.between(0.25, 0.5) : 1;
      const unitValue = trueUnitValue * (undervalued ? cut : 1);
      let outcome = '';
      let fraudType = '';
      let recovered = '';
      if (controlled) {
        if (r.chance(t.seizureRate) || forced) {
          outcome = 'seizure';
          fraudType = undervalued ? 'undervaluation' : r.pick(['misclassification', 'smuggling', 'counterfeit']);
          recovered = String(Math.round(weight * goods.valuePerKg * 0.3));
        } else if (r.chance(t.ring ? 0.1 : 0.03)) {
          outcome = 'discrepancy';
          fraudType = r.pick(['undervaluation', 'misclassification', 'other']);
          // The duties the correction recovered.
          recovered = String(Math.round(weight * goods.valuePerKg * 0.1));
        } else {
          outcome = 'clear';
        }
      }
      const partner = t.partners.length && r.chance(0.5) ? t.partners[0] : undefined;
      const loading = (PORTS[origin] ?? ['XXXXX'])[0] as string;
      const row: Record<string, string> = {
        declaration_id: declId,
        item_no: String(item),
        lodged_at: lodged,
        office: r.pick(OFFICES),
        regime: 'IM',
        trader_id: r.chance(0.2) ? `${t.id.slice(0, 5)} ${t.id.slice(5, 10)} ${t.id.slice(10)}` : t.id,
        trader_name: this.companyName(t),
        trader_address: this.addressText(t.address),
        trader_phone: this.phoneText(t.phone),
        trader_email: this.emailText(t.email),
        trader_bank_account: this.accountText(t.account),
        trader_directors: directors,
        consignee_id: partner ?? '',
        consignee_name: partner ? '' : r.chance(0.5) ? this.companyName(t) : '',
        consignee_address: '',
        consignee_country: 'MA',
        supplier_id: r.chance(0.85) ? supplier.id : '',
        supplier_name: supplier.name,
        supplier_address: supplier.address,
        supplier_country: supplier.country,
        broker_id: broker.id,
        broker_name: broker.name,
        carrier_id: carrier.id,
        carrier_name: carrier.name,
        transport_mode: sea ? 'sea' : 'air',
        vessel: sea ? `${carrier.name.split(' ')[0]?.toUpperCase()} V${100 + r.int(40)}` : `AT${200 + r.int(50)}`,
        container_ids: sea ? `${carrier.id.slice(4, 8).padEnd(4, 'U')}${String(r.int(9_999_999)).padStart(7, '0')}` : '',
        origin_country: origin,
        loading_port: loading,
        transit_ports: transit.join(';'),
        discharge_port: sea ? r.pick(DISCHARGE_PORTS) : 'MACMN',
        destination_country: 'MA',
        hs_code: goods.hs,
        goods_description: goods.description,
        goods_origin_country: goodsOrigin,
        quantity: String(weight),
        unit: 'KGM',
        gross_weight_kg: String(Math.round(weight * 1.08)),
        declared_value: (weight * unitValue).toFixed(2),
        currency: 'MAD',
        outcome,
        fraud_type: fraudType,
        recovered_amount: recovered,
        aeo: this.isAeo(t) ? 'Y' : 'N',
      };
      rows.push(DECLARATION_FIELDS.map((f) => row[f] ?? ''));
      // The hidden truth: every declaration of a ring member is fraudulent (undervalued).
      this.labels.push([declId, String(item), t.ring ? '1' : '0', t.ring ? (weight * (trueUnitValue - unitValue)).toFixed(2) : '0']);
    }
    this.biasLabels(rows);
    return rows;
  }

  watchlistCsv(): string {
    const r = this.rng;
    const rows: string[][] = [['kind', 'key', 'reason', 'source', 'severity', 'listed_at']];
    for (const ring of this.rings) {
      if (!r.chance(0.3)) continue;
      const memberId = ring.members[r.int(ring.members.length)];
      const member = this.traders.find((t) => t.id === memberId) as Trader;
      if (r.chance(0.5)) rows.push(['phone', this.phoneText(member.phone), 'phone seen in a smuggling case', 'intelligence', 'high', this.opts.start]);
      else rows.push(['trader', member.id, 'linked to a seized consignment elsewhere', 'OLAF', '0.8', this.opts.start]);
    }
    // Honest noise: listings that turn out to be nothing.
    for (let i = 0; i < 2; i++) {
      const t = this.traders[r.int(this.traders.length)] as Trader;
      if (!t.ring) rows.push(['trader', t.id, 'unverified tip', 'hotline', 'low', this.opts.start]);
    }
    return stringify(rows);
  }

  truth(stats: { declarations: number; rows: number; seizures: number }): Truth {
    return {
      seed: this.opts.seed,
      options: this.opts,
      rings: this.rings,
      lookalikes: {
        businessCentres: this.businessCentres.map((b) => ({
          address: `${b.address.num} ${b.address.type} ${b.address.street}, ${b.address.city}`, traders: b.traders,
        })),
        familyGroups: this.familyGroups,
        domiciliations: this.domiciliations.map((d) => ({ address: `${d.address.num} ${d.address.type} ${d.address.street}, ${d.address.city}`, traders: d.traders })),
        giantCarriers: GIANT_CARRIERS.map((c) => c.id),
        bigBrokers: this.bigBrokers.map((b) => b.id),
      },
      counts: {
        traders: this.traders.length,
        ringMembers: this.rings.reduce((a, x) => a + x.members.length, 0),
        declarations: stats.declarations,
        rows: stats.rows,
        seizures: stats.seizures,
      },
    };
  }
}

/** Controls of ring declarations (honest ones: 8%): seizure shares are counted against it. */
const RING_CONTROL_RATE = 0.12;
const HONEST_CONTROL_RATE = 0.08;
const AEO_SHARE = 0.12;
const ORIGIN_COLUMN = DECLARATION_FIELDS.indexOf('origin_country');
const OUTCOME_COLUMN = DECLARATION_FIELDS.indexOf('outcome');
/** With the seizure-share knob, the share of a ring's members that can be caught at all. */
const CAUGHT_SHARE = 0.5;

const TIE_KINDS = ['phone', 'bank_account', 'director', 'email', 'address'] as const;
type TieKind = (typeof TIE_KINDS)[number];

/** b takes a's identifier of that kind (a director is added beside b's own), and the ring's truth records the link. */
function shareIdentifier(ring: PlantedRing, a: Trader, b: Trader, kind: TieKind): void {
  if (kind === 'phone') b.phone = a.phone;
  else if (kind === 'bank_account') b.account = a.account;
  else if (kind === 'email') b.email = a.email;
  else if (kind === 'address') b.address = a.address;
  else b.directors = [...b.directors, a.directors[0] as string];
  ring.links.push({ a: a.id, b: b.id, kind });
}

/** Other spellings of the same name, as different clerks write them. */
const TRANSLITERATIONS: Record<string, string> = {
  Mohamed: 'Mohammed', Youssef: 'Yousef', Rachid: 'Rachide', Said: 'Saïd', Hassan: 'Hasan', Mustapha: 'Mostafa', Aicha: 'Aïcha',
  Hicham: 'Hisham', Abdellah: 'Abdallah', Driss: 'Idriss', Meryem: 'Maryam', 'El Amrani': 'Elamrani', 'El Idrissi': 'Idrissi',
  Fassi: 'El Fassi', Chraibi: 'Chraïbi', Ouazzani: 'Wazzani', Haddad: 'Hadad',
};

function transliterate(name: string): string {
  for (const [from, to] of Object.entries(TRANSLITERATIONS)) if (name.startsWith(from)) return to + name.slice(from.length);
  return name;
}
