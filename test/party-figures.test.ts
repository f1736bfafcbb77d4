import fc from 'fast-check';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ComboSet, standaloneComboSet } from '../src/analysis/signals/combo-set';
import { scanDeclarations, type DeclarationScan } from '../src/analysis/signals/declaration-scan';
import { columnsFromFacts } from '../src/store/declaration-columns';
import type { BrokerCounts, PartyAgg } from '../src/analysis/signals/party-figures';
import { IdNumbers } from '../src/util/id-numbers';
import { IntTuples } from '../src/util/int-tuples';
import { PartyFigures, type DeclarationPart } from '../src/analysis/signals/party-figures';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { generateSynthetic } from '../src/synth/generate';
import { ingestInto, tempDir } from './helpers';

/** A party's figures the plain way: its brokers in a Map. */
type PlainAgg = Omit<PartyAgg, 'brokers'> & { brokers?: Map<string, number> };

/** The plain way: one object per party and window in a Map, as the scan kept them before. */
function reference(rows: Row[]): { all: Map<string, PlainAgg>; past: Map<string, PlainAgg> } {
  const out = { all: new Map<string, PlainAgg>(), past: new Map<string, PlainAgg>() };
  const push = (list: string[] | undefined, id: string) => (!list ? [id] : list.length < 5 ? (list.push(id), list) : list);
  for (const r of rows) {
    for (const w of r.inPast ? (['all', 'past'] as const) : (['all'] as const)) {
      for (const id of r.parties) {
        let p = out[w].get(id);
        if (!p) out[w].set(id, (p = { n: 0, value: 0, controlled: 0, bad: 0, seizures: 0, under: 0, laundering: 0, first: r.part.lodgedAt, last: r.part.lodgedAt }));
        p.n++;
        p.value += r.part.value;
        if (r.part.lodgedAt < p.first) p.first = r.part.lodgedAt;
        if (r.part.lodgedAt > p.last) p.last = r.part.lodgedAt;
        if (r.part.known) p.controlled++;
        if (r.part.bad) p.bad++;
        if (r.part.seizure) {
          p.seizures++;
          if (!p.lastSeizure || r.part.lodgedAt.slice(0, 10) > p.lastSeizure) p.lastSeizure = r.part.lodgedAt.slice(0, 10);
          p.evidenceSeizures = push(p.evidenceSeizures, `d${r.part.key}`);
        }
        if (id === r.parties[0]) {
          if (r.part.laundering) {
            p.laundering++;
            p.evidenceLaundering = push(p.evidenceLaundering, `d${r.part.key}`);
          }
          if (r.broker) (p.brokers ??= new Map()).set(r.broker, (p.brokers.get(r.broker) ?? 0) + 1);
        }
      }
    }
  }
  return out;
}

interface Row {
  /** The trader first; a party may appear twice (a trader that is also its own consignee). */
  parties: string[];
  broker?: string;
  inPast: boolean;
  part: DeclarationPart;
}

function figures(rows: Row[]): { all: Map<string, PartyAgg>; past: Map<string, PartyAgg> } {
  const f = new PartyFigures();
  for (const r of rows) {
    let trader = -1;
    let times = 0;
    let broker = -1;
    for (const id of r.parties) {
      const isTrader = id === r.parties[0];
      const s = f.numbers.of(id);
      f.tally(s, 0, r.part, isTrader);
      if (r.inPast) f.tally(s, 1, r.part, isTrader);
      if (isTrader) {
        trader = s;
        times++;
      }
      if (id === r.broker) broker = s;
    }
    if (broker >= 0) {
      f.broker(trader, broker, 0, times);
      if (r.inPast) f.broker(trader, broker, 1, times);
    }
  }
  const w = f.windows((key) => `d${key}`);
  const all = w.map('all');
  // By number, the same objects as by id.
  f.numbers.ids.forEach((id, s) => expect(w.byNumber.all[s]).toBe(all.get(id)));
  return { all, past: w.map('past') };
}

/** A trader's brokers with their counts, in order, as the plain way keeps them. */
function brokerEntries(b: BrokerCounts): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (let k = b.from; k < b.to; k++) out.push([b.lists.ids[k]!, b.lists.counts[k]!]);
  return out;
}

const entries = (m: Map<string, PartyAgg | PlainAgg>) => [...m].map(([id, p]) => [id, {
  ...p, brokers: p.brokers && (p.brokers instanceof Map ? [...p.brokers] : brokerEntries(p.brokers)),
}]);

// Ids as SQLite gives them (small integers) and as Neo4j does (element ids), and look-alikes that must stay apart.
const idArb = fc.oneof(fc.integer({ min: 0, max: 40 }).map(String), fc.constantFrom('4:ab:1', '07', '+7', '99999999999', 'x'));
const rowArb = fc.record({
  parties: fc.array(idArb, { minLength: 1, maxLength: 5 }),
  inPast: fc.boolean(),
  day: fc.integer({ min: 1, max: 28 }),
  value: fc.integer({ min: 0, max: 1000 }),
  outcome: fc.constantFrom('unknown', 'clear', 'seizure', 'discrepancy'),
  laundering: fc.boolean(),
});

describe('party figures', () => {
  it('equal the one-object-per-party figures, in the same map orders, for numeric and other ids', () => {
    fc.assert(fc.property(fc.array(rowArb, { maxLength: 200 }), (raw) => {
      const rows: Row[] = raw.map((r, k) => ({
        parties: r.parties,
        broker: r.parties.length > 3 ? r.parties[3] : undefined,
        inPast: r.inPast,
        part: {
          key: k, lodgedAt: `2025-03-${String(r.day).padStart(2, '0')}`, value: r.value, known: r.outcome !== 'unknown',
          bad: r.outcome === 'seizure' || r.outcome === 'discrepancy', seizure: r.outcome === 'seizure', laundering: r.laundering,
        },
      }));
      const want = reference(rows);
      const got = figures(rows);
      expect(entries(got.all)).toEqual(entries(want.all));
      expect(entries(got.past)).toEqual(entries(want.past));
    }), { numRuns: 300 });
  });

  it('numbers ids in order of first sight, keeping ids that only look alike apart', () => {
    const n = new IdNumbers();
    expect(['5', '07', '7', '5', '4:ab:1', '100000000', '7'].map((id) => n.of(id))).toEqual([0, 1, 2, 0, 3, 4, 2]);
    expect(n.peek('07')).toBe(1);
    expect(n.peek('8')).toBeUndefined();
    expect(n.peek('4:ab:2')).toBeUndefined();
    expect(n.ids).toEqual(['5', '07', '7', '4:ab:1', '100000000']);
  });
});

describe('IntTuples', () => {
  it('numbers tuples in order of first sight through growth, with -1 and 0 apart', () => {
    const t = new IntTuples();
    expect([t.of(1, -1, 0), t.of(1, 0, 0), t.of(1, -1), t.of(0, 1, 2), t.of(1, -1, 0)]).toEqual([0, 1, 0, 2, 0]);
    expect(t.find(1, 0)).toBe(1);
    expect(t.find(2, 1, 0)).toBe(-1);
    for (let i = 0; i < 50_000; i++) expect(t.of(i, i % 7, -1)).toBe(3 + i);
    expect(t.size).toBe(3 + 50_000);
    expect([t.key(3, 0), t.key(3, 1), t.key(3, 2)]).toEqual([0, 0, -1]);
    expect(t.find(49_999, 49_999 % 7, -1)).toBe(t.size - 1);
    expect(t.find(0, 1, 2)).toBe(2);
  });
});

describe('ComboSet', () => {
  it('holds exactly the combinations added, through growth, with missing suppliers and brokers apart', () => {
    const { combos, add } = standaloneComboSet();
    const seen = new Set<string>();
    const key = (d: { trader: string; supplier?: string; broker?: string }) => `${d.trader}|${d.supplier ?? '-'}|${d.broker ?? '-'}`;
    let state = 7;
    const next = (m: number) => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) % m;
    for (let i = 0; i < 20_000; i++) {
      const d = { trader: `t${next(300)}`, supplier: next(4) === 0 ? undefined : `s${next(50)}`, broker: next(3) === 0 ? undefined : `b${next(20)}` };
      add(d);
      seen.add(key(d));
    }
    expect(combos.size).toBe(seen.size);
    for (let t = 0; t < 300; t += 7) {
      for (const supplier of [undefined, 's1', 's49']) {
        for (const broker of [undefined, 'b0', 'b19']) {
          const d = { trader: `t${t}`, supplier, broker };
          expect(combos.has(d)).toBe(seen.has(key(d)));
        }
      }
    }
    expect(combos.has({ trader: 'never seen' })).toBe(false);
  });

  it('takes party numbers from its owner', () => {
    const numbers = new Map([['T', 0], ['S', 1], ['B', 2]]);
    const combos = new ComboSet((id) => numbers.get(id));
    combos.addSeq(0, 1, -1);
    expect(combos.has({ trader: 'T', supplier: 'S' })).toBe(true);
    expect(combos.has({ trader: 'T', supplier: 'S', broker: 'B' })).toBe(false);
    expect(combos.has({ trader: 'T' })).toBe(false);
  });
});

/** A store holding a synthetic world's declarations, for `use`, removed after. */
async function withSyntheticStore(world: { traders: number; seed: number }, use: (store: SqliteGraphStore) => Promise<void>): Promise<void> {
  const { dir, cleanup } = tempDir();
  try {
    const synth = await generateSynthetic(join(dir, 'synth'), world);
    const store = new SqliteGraphStore(join(dir, 'scan.db'));
    await store.migrate();
    await ingestInto(store, [synth.declarationsFile], dir);
    try {
      await use(store);
    } finally {
      await store.close();
    }
  } finally {
    cleanup();
  }
}

describe('scanDeclarations', () => {
  it('gives both windows\' figures for many ids at once exactly as the windows\' maps do', async () => {
    await withSyntheticStore({ traders: 150, seed: 3 }, async (store) => {
      const scan = await scanDeclarations(store, { cutoffShare: 0.7 });
      const ids = [...scan.all.parties.keys(), 'no such id', '999999999'];
      const got = scan.partiesOf(ids);
      expect(scan.past.parties.size).toBeGreaterThan(0);
      expect(scan.past.parties.size).toBeLessThan(scan.all.parties.size + 1);
      ids.forEach((id, i) => {
        expect(got.all[i]).toBe(scan.all.parties.get(id));
        expect(got.past[i]).toBe(scan.past.parties.get(id));
      });
    });
  });

  it('gives the same figures from SQLite\'s columns as from the declarations read whole', async () => {
    // Origin laundering, seizures and undervaluation in it; more declarations than one batch.
    await withSyntheticStore({ traders: 200, seed: 5 }, async (store) => {
      const scanned = await scanDeclarations(store, { cutoffShare: 0.6 });
      const plain = await scanDeclarations({
        declarationsPerDay: () => store.declarationsPerDay(),
        streamDeclarationColumns: (numbers, size) => columnsFromFacts(store.streamDeclarationFacts(size), numbers),
      }, { cutoffShare: 0.6 });
      const view = (scan: DeclarationScan) => ({
        all: entries(scan.all.parties), past: entries(scan.past.parties), categories: [...scan.all.categories], pastCategories: [...scan.past.categories],
        medians: [...scan.medians], far: scan.unitValueFar, futureTraders: [...scan.futureTraders], future: scan.futureDeclarations,
        combos: scan.pastCombos.size, cutoff: scan.cutoff, declarations: scan.declarations,
      });
      const got = view(scanned);
      expect(got).toEqual(view(plain));
      expect(got.declarations).toBeGreaterThan(2_000);
      // A store that counts fewer declarations than it then streams (an ingest between the two
      // reads): the columns sized by the count grow, and all the window's figures come out the same.
      const undercounted = await scanDeclarations({
        declarationsPerDay: async () => (await store.declarationsPerDay()).map((d) => ({ ...d, count: 1 })),
        streamDeclarationColumns: (numbers, size) => store.streamDeclarationColumns(numbers, size),
      }, { cutoffShare: 0.6 });
      const allOnly = (scan: DeclarationScan) => ({ all: entries(scan.all.parties), medians: [...scan.medians], far: scan.unitValueFar });
      expect(allOnly(undercounted)).toEqual(allOnly(scanned));
      expect(undercounted.declarations).toBeLessThan(1_024);
      const all = [...scanned.all.parties.values()];
      for (const signal of ['evidenceLaundering', 'evidenceUnder', 'evidenceSeizures'] as const) expect(all.some((p) => p[signal]?.length)).toBe(true);
    });
  });
});
