/**
 * Evidence graded by what it is: a shared identifier by its kind and by how many use it, a ring by
 * its known-bad members and their customs signals, a hub by its seizure rate against its peers, and
 * a clean record only ever lowering a risk.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS, runAnalysis } from '../src/analysis/run';
import { hubRecords } from '../src/analysis/signals/hub-record';
import type { PartyAgg } from '../src/analysis/signals/party-figures';
import { ringEvidence, tieWeight } from '../src/analysis/signals/ring-evidence';
import type { EntityKind } from '../src/domain/entities';
import type { EntityScore } from '../src/domain/results';
import { scoreCommand } from '../src/cli/commands/targeting';
import type { Config } from '../src/config';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { analysedSyntheticStore, ingestInto, row, tempDir, toCsv } from './helpers';

const tmp = tempDir('cg-graded-');
afterAll(() => tmp.cleanup());

const agg = (n: number, seizures: number): PartyAgg => ({ n, value: 0, controlled: n, bad: seizures, seizures, under: 0, laundering: 0, first: '2025-01-01', last: '2025-12-31' });

describe('shared identifiers', () => {
  it('weigh by kind and fall with the number of parties that share them', () => {
    expect(tieWeight('Address', 40)).toBeLessThan(tieWeight('BankAccount', 3));
    expect(tieWeight('Address', 3)).toBeLessThan(tieWeight('Phone', 3));
    expect(tieWeight('BankAccount', 8)).toBeLessThan(tieWeight('BankAccount', 3));
    expect(tieWeight('BankAccount', 2)).toBe(1);
  });

  it('make a ring signal that grows with known-bad members and customs signals of the others, not the member itself', () => {
    const kinds: EntityKind[] = ['Trader', 'Trader', 'Trader', 'BankAccount', 'Phone'];
    const ring = { id: 0, members: [0, 1, 2], identifiers: [3, 4], ties: [{ identifier: 3, parties: [0, 1, 2] }, { identifier: 4, parties: [1, 2] }] };
    const inputs = (bad: number[], customs: number[]) => ({
      ids: ['T0', 'T1', 'T2', 'ACC', 'TEL'], kinds, knownBad: Uint8Array.from(bad), badWeight: (m: number) => bad[m]!, customs: (m: number) => customs[m]!, sharesCounterpart: () => new Set<number>(),
    });
    const quiet = ringEvidence(ring, inputs([0, 0, 0], [0, 0, 0]));
    const seized = ringEvidence(ring, inputs([1, 0, 0], [0, 0, 0]));
    const undervaluing = ringEvidence(ring, inputs([0, 0, 0], [1, 0, 0]));
    expect(seized[1]!.value).toBeGreaterThan(quiet[1]!.value);
    expect(undervaluing[1]!.value).toBeGreaterThan(quiet[1]!.value);
    // A member's own seizure is its own signal: the ring does not count it twice.
    expect(seized[0]!.value).toBe(quiet[0]!.value);
    // T1 is tied by the account and the phone, T0 by the account alone.
    expect(quiet[1]!.value).toBeGreaterThan(quiet[0]!.value);
    expect(seized[1]!.evidence).toEqual(['ring:0', 'ACC', 'T0', 'T2', 'TEL', 'T2']);
    // An old seizure counts less than a recent one.
    const old = ringEvidence(ring, { ...inputs([1, 0, 0], [0, 0, 0]), badWeight: (m: number) => (m === 0 ? 0.25 : 0) });
    expect(old[1]!.value).toBeGreaterThan(quiet[1]!.value);
    expect(old[1]!.value).toBeLessThan(seized[1]!.value);
  });


  it('judge a ring too large to be one candidate around each member: by the parties it shares an identifier with', () => {
    // A chain of 60 traders, each sharing a phone with the next.
    const n = 60;
    const kinds: EntityKind[] = [...Array<EntityKind>(n).fill('Trader'), ...Array<EntityKind>(n - 1).fill('Phone')];
    const ties = Array.from({ length: n - 1 }, (_, i) => ({ identifier: n + i, parties: [i, i + 1] }));
    const ring = { id: 0, members: Array.from({ length: n }, (_, i) => i), identifiers: ties.map((t) => t.identifier), ties };
    const knownBad = new Uint8Array(2 * n);
    knownBad[10] = 1;
    const r = ringEvidence(ring, {
      ids: kinds.map((_, i) => `N${i}`), kinds, knownBad, badWeight: (m: number) => knownBad[m]!, customs: () => 0, sharesCounterpart: () => new Set<number>(),
    });
    expect(r[11]!.value).toBeGreaterThan(r[30]!.value);
    expect(r[9]!.value).toBe(r[11]!.value);
    expect(r[30]!.value).toBe(r[40]!.value);
    expect(r[11]!.evidence).toContain('N10');
    expect(r[30]!.evidence).not.toContain('N10');
  });
});

describe('hubs', () => {
  it('are known bad by their seizure rate against their peers, with a confidence bound, not by a seizure', () => {
    const kinds: EntityKind[] = ['Carrier', 'Carrier', 'Carrier', ...Array<EntityKind>(20).fill('Broker'), 'Broker', 'Trader'];
    const parties = [
      agg(20_000, 30), agg(25_000, 40), agg(18_000, 25), // carriers at about 0.15%
      ...Array.from({ length: 20 }, () => agg(400, 1)), // brokers at 0.25%
      agg(40, 8), // a broker with 8 seizures in 40 declarations
      agg(12, 1), // a trader with one seizure
    ];
    const r = hubRecords(kinds, parties);
    expect(r.risky[0]).toBe(0);
    expect(r.risky[23]).toBe(1);
    expect(r.lift[23]).toBeGreaterThan(10);
    for (let i = 3; i < 23; i++) expect(r.risky[i]).toBe(0);
    expect(r.risky[24]).toBe(0); // traders are judged by their own record elsewhere
  });
});

describe('graded evidence in an analysis run', () => {
  // Sixty ordinary traders; a ring of three tied by a bank account and a phone; three family firms
  // tied by an address and a director; forty firms at one business-centre address. Everybody ships
  // with carrier C1, which has one seizure among its hundreds of declarations (the seized trader's).
  function world(ringSeized: boolean): Array<Record<string, string>> {
    const rows: Array<Record<string, string>> = [];
    let d = 0;
    const add = (trader: string, extra: Record<string, string>, k: number, outcome?: (i: number) => string) => {
      for (let i = 0; i < k; i++) {
        d++;
        rows.push(row({
          declaration_id: `D${d}`, lodged_at: `2025-${String(1 + (i % 12)).padStart(2, '0')}-10`, trader_id: trader, trader_name: `Firm ${trader}`,
          supplier_id: `S${d % 17}`, broker_id: `B${d % 5}`, carrier_id: 'C1', hs_code: '610910', declared_value: String(1000 + (d % 50)), quantity: '10',
          outcome: outcome?.(i) ?? (i % 5 === 0 ? 'clear' : ''), ...extra,
        }));
      }
    };
    for (let t = 0; t < 60; t++) add(`H${t}`, { trader_phone: `0661${String(100000 + t)}` }, 6);
    add('R1', { trader_bank_account: '011780000012345678901234', trader_phone: '0661999001' }, 8, (i) => (ringSeized && i === 2 ? 'seizure' : 'clear'));
    add('R2', { trader_bank_account: '011780000012345678901234', trader_phone: '0661999001' }, 8);
    add('R3', { trader_bank_account: '011780000012345678901234', trader_phone: '0661999003' }, 8);
    for (const f of ['F1', 'F2', 'F3']) add(f, { trader_address: '12 Rue Atlas, Fes', trader_directors: 'Karim Tazi' }, 8);
    for (let t = 0; t < 40; t++) add(`BC${t}`, { trader_address: '10 Boulevard Zerktouni, Casablanca' }, 4);
    return rows;
  }

  const scores = new Map<string, Map<string, EntityScore>>();
  beforeAll(async () => {
    for (const seized of [false, true]) {
      const dir = join(tmp.dir, seized ? 'seized' : 'quiet');
      const file = join(tmp.dir, `${seized ? 'seized' : 'quiet'}.csv`);
      writeFileSync(file, toCsv(world(seized)));
      const store = new SqliteGraphStore(`${dir}.db`);
      await store.migrate();
      await ingestInto(store, [file], tmp.dir);
      await runAnalysis(store, { ...DEFAULT_PARAMS, seed: 42, weights: 'defaults' });
      const byKey = new Map<string, EntityScore>();
      for (const kind of ['Trader', 'Carrier'] as const) {
        const top = await store.topEntities({ kind, limit: 1000 });
        const entities = await store.getEntities(top.map((s) => s.entityId));
        const keyOf = new Map(entities.map((e) => [e.id, e.key]));
        for (const s of top) byKey.set(keyOf.get(s.entityId)!, s);
      }
      scores.set(seized ? 'seized' : 'quiet', byKey);
      await store.close();
    }
  }, 60_000);

  const ringValue = (s: EntityScore | undefined) => s?.signals.find((x) => x.name === 'shared_identifier_ring')?.value ?? 0;

  it('weighs a bank account and a phone shared by three above an address and a director, and an address shared by forty not at all', () => {
    const quiet = scores.get('quiet')!;
    expect(ringValue(quiet.get('R2'))).toBeGreaterThan(ringValue(quiet.get('F2')));
    expect(ringValue(quiet.get('F2'))).toBeGreaterThan(0);
    expect(ringValue(quiet.get('BC1'))).toBe(0);
  });

  it('ranks the same ring higher with a seized member than without', () => {
    const [quiet, seized] = [scores.get('quiet')!, scores.get('seized')!];
    expect(ringValue(seized.get('R2'))).toBeGreaterThan(ringValue(quiet.get('R2')));
    expect(seized.get('R2')!.risk).toBeGreaterThan(quiet.get('R2')!.risk);
    expect(seized.get('R2')!.signals.find((x) => x.name === 'shared_identifier_ring')!.evidence).toContain(seized.get('R1')!.entityId);
  });

  it('keeps known bad for the seized trader and not for the carrier that carried its goods with everyone else', () => {
    const seized = scores.get('seized')!;
    expect(seized.get('R1')!.knownBad).toBe(true);
    expect(seized.get('C1')!.seizures).toBe(1);
    expect(seized.get('C1')!.knownBad).toBe(false);
    expect(seized.get('C1')!.signals.find((x) => x.name === 'seizures')).toBeUndefined();
  });
});

describe('declaration reasons', () => {
  it('never show a clean record as raising the risk: clean:FIELD lowers it, history:FIELD is a bad record', async () => {
    const { synth, store } = await analysedSyntheticStore(join(tmp.dir, 'synth'), 'synth.db', { traders: 800, seed: 6 });
    try {
      const r = await scoreCommand(store, synth.declarationsFile, {}, { dbPath: '', phoneRegion: 'MA', defaultCurrency: 'MAD' } as Config);
      await expect(store.currentRun()).resolves.toMatchObject({ model: { declarationModel: { source: 'fitted' } } });
      // A record's bad share (b/n) below the base rate is clean, above it bad: every clean reason's
      // share lies below every bad one's.
      const share = (ev: string[]) => { const [b, n] = ev[1]!.split(/[/ ]/).map(Number); return b! / n!; };
      let reasons = 0;
      let lowering = 0;
      let cleanMax = 0;
      let badMin = 1;
      for (const d of r.scored) {
        for (const reason of d.reasons) {
          reasons++;
          if (reason.name.startsWith('clean:')) {
            expect(reason.contribution).toBeLessThan(0);
            lowering++;
            cleanMax = Math.max(cleanMax, share(reason.evidence));
          } else {
            expect(reason.contribution).toBeGreaterThan(0);
            if (reason.name.startsWith('history:')) badMin = Math.min(badMin, share(reason.evidence));
          }
        }
      }
      expect(reasons).toBeGreaterThan(1000);
      expect(lowering).toBeGreaterThan(0);
      expect(cleanMax).toBeLessThan(badMin);
    } finally {
      await store.close();
    }
  }, 60_000);
});
