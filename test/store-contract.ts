/**
 * The GraphStore contract suite: every adapter runs it (SQLite always; Neo4j when NEO4J_URI is
 * set). It states what callers may rely on, whatever the database.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GraphStore } from '../src/store/graph-store';
import { batchOf, row } from './helpers';
import { keyFor } from '../src/domain/entities';
import { unitValue } from '../src/analysis/signals/predicates';
import type { NewAlert } from '../src/domain/alerts';
import { OUTCOMES } from '../src/domain/fields';
import type { DeclarationColumns } from '../src/store/analysis-source';
import { columnsFromFacts } from '../src/store/declaration-columns';
import { IdNumbers } from '../src/util/id-numbers';
import { scoreList } from '../src/domain/results';

export interface StoreFactory {
  /** A new, empty, migrated store. */
  create(): Promise<GraphStore>;
  cleanup(): Promise<void>;
}

async function collect<T>(it: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of it) out.push(...batch);
  return out;
}

/** Two traders sharing a phone (written two ways) and a director; a third with its own identity. */
const RING = [
  row({ declaration_id: 'D1', trader_id: 'T1', trader_phone: '+212 661-234567', trader_directors: 'Ahmed Benali', container_ids: 'MSCU1234567' }),
  row({ declaration_id: 'D2', trader_id: 'T2', trader_phone: '0661234567', trader_directors: 'BENALI Ahmed', declared_value: '500', outcome: 'seizure', fraud_type: 'undervaluation' }),
  row({ declaration_id: 'D3', trader_id: 'T3', trader_phone: '0522000000', supplier_id: 'S2' }),
  row({ declaration_id: 'D4', trader_id: 'T1', declared_value: '250' }),
];

export function storeContract(name: string, factory: StoreFactory): void {
  describe(`GraphStore contract: ${name}`, () => {
    let store: GraphStore;
    beforeEach(async () => {
      store = await factory.create();
    });
    afterEach(async () => {
      await store.close();
      await factory.cleanup();
    });

    it('migrates twice without harm', async () => {
      await store.migrate();
      await store.migrate();
      expect((await store.counts()).declarations).toBe(0);
    });

    it('writes a batch and finds entities by key and by id', async () => {
      await store.writeBatch(batchOf(RING));
      const t1 = await store.findEntity({ kind: 'Trader', key: 'T1' });
      expect(t1).toMatchObject({ kind: 'Trader', key: 'T1', name: 'Atlas Import SARL' });
      const phone = await store.findEntity({ kind: 'Phone', key: '+212661234567' });
      expect(phone).not.toBeNull();
      const [again] = await store.getEntities([t1!.id]);
      expect(again).toEqual(t1);
      expect(await store.findEntity({ kind: 'Trader', key: 'NOPE' })).toBeNull();
      const decl = await store.findEntity({ kind: 'Declaration', key: 'D2/1' });
      expect(decl).toMatchObject({ kind: 'Declaration', key: 'D2/1' });
    });

    it('counts entities by kind and relationships by type', async () => {
      await store.writeBatch(batchOf(RING));
      const c = await store.counts();
      expect(c.declarations).toBe(4);
      expect(c.entities.Trader).toBe(3);
      expect(c.entities.Phone).toBe(2); // the two spellings of one phone are one node
      expect(c.entities.Person).toBe(1); // "Ahmed Benali" and "BENALI Ahmed"
      expect(c.entities.Supplier).toBe(2);
      expect(c.entities.Container).toBe(1);
      expect(c.relationships.FILED_BY).toBe(4);
      expect(c.relationships.HAS_PHONE).toBe(3);
      expect(c.relationships.DIRECTS).toBe(2);
      expect(c.relationships.IN_CONTAINER).toBe(1);
    });

    it('is idempotent: the same batch twice changes no count', async () => {
      await store.writeBatch(batchOf(RING));
      const first = await store.counts();
      await store.writeBatch(batchOf(RING));
      expect(await store.counts()).toEqual(first);
    });

    it('updates a re-declared item in place', async () => {
      await store.writeBatch(batchOf(RING));
      await store.writeBatch(batchOf([row({ declaration_id: 'D1', trader_id: 'T9', outcome: 'clear' })]));
      const d1 = await store.getDeclaration('D1/1');
      expect(d1).toMatchObject({ trader_id: 'T9', outcome: 'clear', container_ids: [] });
      // Fields the new version no longer carries are gone, not kept from the old one.
      expect(d1!.trader_phone).toBeUndefined();
      expect(d1!.trader_directors ?? []).toEqual([]);
      const c = await store.counts();
      expect(c.declarations).toBe(4);
      expect(c.relationships.IN_CONTAINER ?? 0).toBe(0);
    });

    it('returns a declaration as declared', async () => {
      await store.writeBatch(batchOf(RING));
      const d = await store.getDeclaration('D1/1');
      expect(d).toMatchObject({
        declaration_id: 'D1', item_no: 1, trader_id: 'T1', trader_phone: '+212 661-234567', trader_directors: ['Ahmed Benali'],
        container_ids: ['MSCU1234567'], hs_code: '610910', declared_value: 1000, outcome: 'unknown', currency: 'MAD',
      });
      expect(await store.getDeclaration('NOPE/1')).toBeNull();
    });

    it('reads a neighbourhood hop by hop, within the limit', async () => {
      await store.writeBatch(batchOf(RING));
      const t1 = (await store.findEntity({ kind: 'Trader', key: 'T1' }))!;
      const one = await store.neighbourhood([t1.id], { hops: 1, limit: 100 });
      const kinds = one.nodes.map((n) => n.kind).sort();
      expect(kinds).toContain('Phone');
      expect(kinds).toContain('Person');
      expect(kinds.filter((k) => k === 'Declaration')).toHaveLength(2);
      expect(one.truncated).toBe(false);
      // Two hops reach T2 through the shared phone.
      const two = await store.neighbourhood([t1.id], { hops: 2, limit: 100 });
      expect(two.nodes.some((n) => n.kind === 'Trader' && n.key === 'T2')).toBe(true);
      for (const e of two.edges) {
        expect(two.nodes.some((n) => n.id === e.source)).toBe(true);
        expect(two.nodes.some((n) => n.id === e.target)).toBe(true);
      }
      const capped = await store.neighbourhood([t1.id], { hops: 2, limit: 3 });
      expect(capped.nodes).toHaveLength(3);
      expect(capped.truncated).toBe(true);
      const phonesOnly = await store.neighbourhood([t1.id], { hops: 1, limit: 100, kinds: ['Phone'] });
      expect(phonesOnly.nodes.map((n) => n.kind).sort()).toEqual(['Phone', 'Trader']);
    });

    it('streams the entity graph with shared identifiers only', async () => {
      await store.writeBatch(batchOf(RING));
      const links = await collect(store.streamEntityGraph(2));
      const t1 = (await store.findEntity({ kind: 'Trader', key: 'T1' }))!;
      const s1 = (await store.findEntity({ kind: 'Supplier', key: 'S1' }))!;
      const supply = links.find((l) => l.type === 'SUPPLIED_BY' && l.source === t1.id && l.target === s1.id);
      expect(supply).toMatchObject({ count: 2, value: 1250 });
      const phoneLinks = links.filter((l) => l.type === 'HAS_PHONE');
      expect(phoneLinks).toHaveLength(2); // T3's own phone is not shared: dropped
      expect(links.filter((l) => l.type === 'DIRECTS')).toHaveLength(2);
    });

    it('streams per-entity declaration stats with outcomes', async () => {
      await store.writeBatch(batchOf(RING));
      const stats = await collect(store.streamEntityStats());
      const t2 = (await store.findEntity({ kind: 'Trader', key: 'T2' }))!;
      expect(stats.find((s) => s.id === t2.id)).toMatchObject({ kind: 'Trader', declarations: 1, seizures: 1, value: 500 });
    });

    it('matches watchlist entries by normalized key', async () => {
      await store.writeBatch(batchOf(RING));
      await store.upsertWatchlist([
        { kind: 'Phone', key: '+212661234567', reason: 'smuggling case', source: 'intel', severity: 0.9, listedAt: '2025-01-01' },
        { kind: 'Trader', key: 'NOBODY', reason: 'x', source: 'y', severity: 0.5, listedAt: '2025-01-01' },
      ]);
      await store.upsertWatchlist([
        { kind: 'Phone', key: '+212661234567', reason: 'smuggling case 2', source: 'intel', severity: 1, listedAt: '2025-02-01' },
      ]);
      const hits = await store.watchlistHits();
      expect(hits).toHaveLength(1);
      expect(hits[0]?.entity.kind).toBe('Phone');
      expect(hits[0]?.entry).toMatchObject({ reason: 'smuggling case 2', severity: 1 });
      expect((await store.counts()).watchlist).toBe(2);
    });

    it('keeps an analysis run invisible until it is completed, then switches to it', async () => {
      await store.writeBatch(batchOf(RING));
      const t1 = (await store.findEntity({ kind: 'Trader', key: 'T1' }))!;
      const score = (risk: number) => ({
        entityId: t1.id, kind: 'Trader' as const, risk, community: 1, component: 0, pagerank: 0.1, ppr: 0.2, seizures: 0, knownBad: false,
        signals: [{ name: 'undervaluation', value: 1, contribution: 2, evidence: ['d1'] }],
      });
      const community = { community: 1, rank: 1, size: 1, byKind: { Trader: 1 }, knownBad: 0, value: 1, risk: 0.5, members: [t1.id], signals: [] };
      const first = await store.beginRun({ seed: 1, params: { a: 1 }, startedAt: '2025-01-01T00:00:00Z' });
      await store.writeRunResults(first, { scores: scoreList([score(0.3)]), communities: [community], categories: [{ field: 'hs6', value: '610910', n: 10, bad: 2 }] });
      expect(await store.currentRun()).toBeNull();
      expect(await store.currentRunId()).toBeNull();
      expect(await store.topEntities({ limit: 10 })).toEqual([]);
      const model = { declarationModel: { features: ['trader_risk'], model: { bias: -3, weights: [3] }, source: 'defaults' as const }, medians: { '610910|MAD': 4.5 } };
      await store.completeRun(first, { timings: { total: 5 }, modularity: 0.4, counts: { nodes: 1 }, params: { a: 1, b: 2 }, model });
      expect(await store.currentRun()).toMatchObject({ id: first, status: 'done', seed: 1, params: { a: 1, b: 2 }, modularity: 0.4, model });
      expect(await store.currentRunId()).toBe(first);
      expect((await store.getScores([t1.id]))[0]).toMatchObject({ risk: 0.3, community: 1, signals: [{ name: 'undervaluation' }] });

      const second = await store.beginRun({ seed: 2, params: {}, startedAt: '2025-01-02T00:00:00Z' });
      await store.writeRunResults(second, { scores: scoreList([score(0.9)]), communities: [], categories: [] });
      expect((await store.topEntities({ kind: 'Trader', limit: 1 }))[0]?.risk).toBe(0.3); // still the first run
      await store.failRun(second, 'stopped');
      expect((await store.currentRun())!.id).toBe(first);
      expect((await store.listRuns(1))[0]).toMatchObject({ id: second, status: 'failed', error: 'stopped' });
      expect((await store.listRuns(5)).map((r) => r.status)).toEqual(['failed', 'done']);
      expect(await store.topCommunities(5)).toHaveLength(1);
      expect([await store.countCommunities(), await store.countCommunities(first), await store.countCommunities(second)]).toEqual([1, 1, 0]);
      expect(await store.categoryRisk()).toEqual([{ field: 'hs6', value: '610910', n: 10, bad: 2 }]);

      // Two runs at once: the one begun later stays current, whichever completes last.
      const earlier = await store.beginRun({ seed: 3, params: {}, startedAt: '2025-01-03T00:00:00Z' });
      const later = await store.beginRun({ seed: 4, params: {}, startedAt: '2025-01-04T00:00:00Z' });
      expect(await store.completeRun(later, { timings: {}, counts: {}, params: {}, model })).toBe(true);
      expect(await store.completeRun(earlier, { timings: {}, counts: {}, params: {}, model })).toBe(false);
      expect(await store.currentRunId()).toBe(later);
      expect((await store.listRuns(2)).map((r) => [r.id, r.status])).toEqual([[later, 'done'], [earlier, 'done']]);
    });

    it('prunes the results of runs beyond the newest completed ones, never the current run or one still running', async () => {
      await store.writeBatch(batchOf(RING));
      const t1 = (await store.findEntity({ kind: 'Trader', key: 'T1' }))!;
      const results = (risk: number) => ({
        scores: scoreList([{ entityId: t1.id, kind: 'Trader' as const, risk, pagerank: 0, ppr: 0, seizures: 0, knownBad: false, signals: [] }]),
        communities: [{ community: 1, rank: 1, size: 1, byKind: { Trader: 1 }, knownBad: 0, value: 1, risk, members: [t1.id], signals: [] }],
        categories: [{ field: 'hs6', value: '610910', n: 10, bad: 2 }],
      });
      const run = async (day: number, end: 'done' | 'failed' | 'running') => {
        const id = await store.beginRun({ seed: day, params: {}, startedAt: `2025-01-0${day}T00:00:00Z` });
        await store.writeRunResults(id, results(day / 10));
        if (end === 'done') await store.completeRun(id, { timings: {}, counts: {}, params: {}, model: { declarationModel: { features: [], model: { bias: 0, weights: [] }, source: 'defaults' }, medians: {} } });
        if (end === 'failed') await store.failRun(id, 'stopped');
        return id;
      };
      const [old, failed, kept, stillRunning, newest] = [await run(1, 'done'), await run(2, 'failed'), await run(3, 'done'), await run(4, 'running'), await run(5, 'done')];
      expect((await store.pruneRuns(2)).sort()).toEqual([old, failed].sort());
      const status = new Map((await store.listRuns(10)).map((r) => [r.id, r.status]));
      expect([old, failed, kept, stillRunning, newest].map((id) => status.get(id))).toEqual(['pruned', 'pruned', 'done', 'running', 'done']);
      expect(await store.topEntities({ limit: 5, runId: old })).toEqual([]);
      expect(await store.topCommunities(5, old)).toEqual([]);
      expect(await store.categoryRisk(old)).toEqual([]);
      expect(await store.topEntities({ limit: 5, runId: kept })).toHaveLength(1);
      expect(await store.topEntities({ limit: 5, runId: stillRunning })).toHaveLength(1);
      expect((await store.topEntities({ limit: 5 }))[0]?.risk).toBe(0.5); // the current run
      expect(await store.pruneRuns(2)).toEqual([]); // nothing more to do
      expect(await store.pruneRuns(1)).toEqual([kept]);
      expect(await store.currentRunId()).toBe(newest);
    });

    it('gives the facts unit values are made of (per unit, else per kg, none without a positive divisor) and declarations per day', async () => {
      await store.writeBatch(batchOf([
        row({ declaration_id: 'U1', declared_value: '1000', quantity: '10', gross_weight_kg: '4' }),
        row({ declaration_id: 'U2', declared_value: '1000', gross_weight_kg: '4', lodged_at: '2025-03-02T10:30:00Z' }),
        row({ declaration_id: 'U3', declared_value: '900', quantity: '0', gross_weight_kg: '3', hs_code: '851712', currency: 'EUR' }),
        row({ declaration_id: 'U4', declared_value: '700', lodged_at: '2025-03-02' }),
        row({ declaration_id: 'U5', declared_value: '333', quantity: '7', hs_code: '851712', currency: 'EUR', lodged_at: '2025-02-27' }),
      ]));
      const facts = await collect(store.streamDeclarationFacts(2));
      const got = facts.flatMap((f) => {
        const u = unitValue(f);
        return u === undefined ? [] : [`${f.hsCode}|${f.currency} ${u}`];
      }).sort();
      expect(got).toEqual(['610910|MAD 100', '610910|MAD 250', '851712|EUR 47.57142857142857']);
      expect(await store.declarationsPerDay()).toEqual([
        { day: '2025-02-27', count: 1 }, { day: '2025-03-01', count: 2 }, { day: '2025-03-02', count: 2 },
      ]);
    });

    it('streams every declaration in columns exactly as its facts say, parties numbered in order of first sight', async () => {
      await store.writeBatch(batchOf([
        ...RING,
        row({ declaration_id: 'L1', consignee_id: 'K1', goods_origin_country: 'VN', transit_ports: 'vnsgn;MYPKG', outcome: 'discrepancy', lodged_at: '2025-03-03' }),
        row({ declaration_id: 'L2', goods_origin_country: 'CN', transit_ports: 'CNSHA', quantity: '0', gross_weight_kg: '3' }),
        row({ declaration_id: 'L3', goods_origin_country: 'TR', quantity: '5', outcome: 'clear', currency: 'EUR', lodged_at: '2025-02-27T23:59:00Z' }),
        row({ declaration_id: 'L4', trader_id: 'T9', carrier_id: '', gross_weight_kg: '12.5' }),
      ]));
      // The columns read back into facts, and the facts read into columns the plain way (declaration-columns.ts).
      const view = async (numbers: IdNumbers, batches: AsyncIterable<DeclarationColumns>) => {
        const rows: unknown[] = [];
        const controlled: string[] = [];
        for await (const c of batches) {
          const id = (s: number) => (s < 0 ? undefined : numbers.ids[s]);
          for (let i = 0; i < c.length; i++) {
            rows.push({
              id: c.declarationId(c.key[i]!), lodgedAt: c.lodgedAt[i], trader: id(c.trader[i]!), consignee: id(c.consignee[i]!), supplier: id(c.supplier[i]!),
              broker: id(c.broker[i]!), carrier: id(c.carrier[i]!), value: c.value[i], quantity: c.quantity[i], weight: c.weight[i], hsCode: c.hsCode[i],
              currency: c.currency[i], outcome: OUTCOMES[c.outcome[i]!], goodsOrigin: c.goodsOriginElsewhere[i], transit: c.transit[i],
            });
          }
          controlled.push(...c.controlled.map((d) => `${d.id} ${d.outcome} ${d.hsCode}`));
        }
        return { rows, controlled, order: numbers.ids };
      };
      const numbers = new IdNumbers();
      const got = await view(numbers, store.streamDeclarationColumns(numbers, 2));
      const plain = new IdNumbers();
      const want = await view(plain, columnsFromFacts(store.streamDeclarationFacts(3), plain));
      expect(got).toEqual(want);
      expect(got.rows).toHaveLength(8);
      expect(got.controlled).toHaveLength(3);
      const l1 = got.rows.find((r) => (r as { transit: string[] }).transit.length > 0);
      expect(l1).toMatchObject({ goodsOrigin: 'VN', transit: ['vnsgn', 'MYPKG'], outcome: 'discrepancy' });
      // Quantity 0 stays 0 (no unit value), a missing one is NaN; goods from the country of dispatch carry no origin elsewhere.
      expect(got.rows).toContainEqual(expect.objectContaining({ quantity: 0, weight: 3, goodsOrigin: null }));
      expect(got.rows).toContainEqual(expect.objectContaining({ quantity: NaN, weight: 12.5, carrier: undefined }));
      // A run's input gives the same columns and day counts, and says it read every declaration (no run made a cache yet).
      const input = await store.declarationInput({ full: false });
      const fromInput = new IdNumbers();
      expect(await view(fromInput, input.streamDeclarationColumns(fromInput, 3))).toEqual(want);
      expect(await input.declarationsPerDay()).toEqual(await store.declarationsPerDay());
      expect(input.reading).toMatchObject({ mode: 'full', fromStore: 8, fromCache: 0 });
      await input.keep();
    });

    it('streams declaration facts and entities for analysis', async () => {
      await store.writeBatch(batchOf(RING));
      const facts = await collect(store.streamDeclarationFacts(2));
      expect(facts).toHaveLength(4);
      const seized = facts.find((f) => f.outcome === 'seizure')!;
      expect(seized).toMatchObject({ hsCode: '610910', origin: 'CN', value: 500, currency: 'MAD', transit: [] });
      const t2 = (await store.findEntity({ kind: 'Trader', key: 'T2' }))!;
      expect(seized.trader).toBe(t2.id);
      expect(await store.declarationsPerDay()).toEqual([{ day: '2025-03-01', count: 4 }]);
      const traders = await collect(store.streamEntities(['Trader']));
      expect(traders.map((e) => e.key).sort()).toEqual(['T1', 'T2', 'T3']);
    });

    it('gives the same result when a load is run as a bulk load', async () => {
      await store.bulk(1_000_000, async () => store.writeBatch(batchOf(RING)));
      const t1 = (await store.findEntity({ kind: 'Trader', key: 'T1' }))!;
      const one = await store.neighbourhood([t1.id], { hops: 1, limit: 100 });
      expect(one.nodes.filter((n) => n.kind === 'Declaration')).toHaveLength(2);
      expect((await store.counts()).declarations).toBe(4);
    });

    it('finds names however their accents and case are written, and pages by cursor', async () => {
      await store.writeBatch(batchOf([
        row({ declaration_id: 'E1', trader_id: 'TE1', trader_name: 'Étoile du Sud SARL' }),
        row({ declaration_id: 'E2', trader_id: 'TE2', trader_name: 'ETOILE NORD' }),
        row({ declaration_id: 'E3', trader_id: 'TE3', trader_name: 'Soleil Import' }),
      ]));
      for (const text of ['etoile', 'Étoile', 'ÉTOILE', 'étoile ']) {
        expect((await store.searchByName(text, { limit: 10 })).map((e) => e.key).sort(), text).toEqual(['TE1', 'TE2']);
      }
      const first = await store.searchByName('etoile', { limit: 1 });
      const next = await store.searchByName('etoile', { limit: 10, after: first[0]!.id });
      expect([...first, ...next].map((e) => e.key).sort()).toEqual(['TE1', 'TE2']);
      expect([await store.countByName('Étoile', {}), await store.countByName('etoile', { kinds: ['Supplier'] }), await store.countByName('import', {})]).toEqual([2, 0, 1]);
    });

    it('stores a 40 KB address and a 20 KB name under bounded keys and names (index entries have a size limit)', async () => {
      const address = `${'Zone Industrielle Ain Sebaa, lot '.repeat(1250)}Casablanca`;
      const name = 'Société '.repeat(2500);
      await store.writeBatch(batchOf([row({ declaration_id: 'LONG1', trader_id: 'TL', trader_name: name, trader_address: address })]));
      const found = await store.findEntity({ kind: 'Address', key: keyFor('Address', address, { phoneRegion: 'MA' }) });
      expect(found).not.toBeNull();
      expect(found!.key.length).toBeLessThanOrEqual(1000);
      expect((await store.findEntity({ kind: 'Trader', key: 'TL' }))!.name.length).toBeLessThanOrEqual(1000);
      expect((await store.searchByName('societe societe', { limit: 5 })).map((e) => e.key)).toContain('TL');
    });

    it('keeps the last version of an item given twice in one batch, with only its parties', async () => {
      const r = await store.writeBatch(batchOf([
        row({ declaration_id: 'TWICE', trader_id: 'T7', supplier_id: 'S7' }),
        row({ declaration_id: 'TWICE', trader_id: 'T6', supplier_id: 'S6' }),
      ]));
      expect(await store.getDeclaration('TWICE/1')).toMatchObject({ trader_id: 'T6', supplier_id: 'S6' });
      const c = await store.counts();
      expect(c.declarations).toBe(1);
      expect(c.relationships.FILED_BY).toBe(1);
      expect(c.relationships.SUPPLIED_BY).toBe(1);
      expect(r.replaced.map((x) => ({ key: x.key, previous: x.previous.trader_id, current: x.current.trader_id }))).toEqual([{ key: 'TWICE/1', previous: 'T7', current: 'T6' }]);
    });

    it('pages the audit log newest first by the ids it gives (whatever their form)', async () => {
      for (let i = 0; i < 3; i++) {
        await store.appendAudit({ at: `2025-06-0${i + 1}T10:00:00.000Z`, who: `key${i}`, role: 'investigator', operation: 'entity', entityIds: [String(i)], requestId: `r${i}` });
      }
      const page = await store.listAudit({ limit: 2 });
      const rest = await store.listAudit({ limit: 10, before: page[1]!.id });
      expect([...page, ...rest].map((r) => r.who)).toEqual(['key2', 'key1', 'key0']);
      expect(await store.countAudit()).toBe(3);
      expect(page[0]).not.toHaveProperty('purpose');
      // Why it was read, the client's id beside the server's, what a change changed: kept as given.
      await store.appendAudit({
        at: '2025-06-09T10:00:00.000Z', who: 'key9', role: 'analyst', operation: 'addToWatchlist', entityIds: [], requestId: 'server-9',
        clientRequestId: 'client-9', purpose: 'case:Case:4', detail: 'added PHONE +212661234567',
      });
      expect((await store.listAudit({ limit: 1 }))[0]).toMatchObject({ requestId: 'server-9', clientRequestId: 'client-9', purpose: 'case:Case:4', detail: 'added PHONE +212661234567' });
    });

    it('gives declarations by id with their parties, and the declarations that tie two entities, paged', async () => {
      await store.writeBatch(batchOf(RING));
      const id = async (kind: 'Trader' | 'Supplier' | 'Broker' | 'Declaration', key: string) => (await store.findEntity({ kind, key }))!.id;
      const [t1, t3, s1, b1, d1, d4] = [await id('Trader', 'T1'), await id('Trader', 'T3'), await id('Supplier', 'S1'), await id('Broker', 'B1'),
        await id('Declaration', 'D1/1'), await id('Declaration', 'D4/1')];
      const got = await store.getDeclarations([d4, 'no-such-id', d1]);
      expect(got.map((d) => d.declaration_id).sort()).toEqual(['D1', 'D4']);
      const one = got.find((d) => d.declaration_id === 'D1')!;
      expect(one.id).toBe(d1);
      expect(one.parties).toEqual(expect.arrayContaining([{ rel: 'FILED_BY', entityId: t1 }, { rel: 'SUPPLIED_BY', entityId: s1 }, { rel: 'DECLARED_BY', entityId: b1 }]));
      expect(one.parties.every((p) => p.entityId !== t3)).toBe(true);
      const figures = await store.linkFigures(t1, s1);
      expect(figures).toMatchObject({ declarations: 2, first: RING[0]!.lodged_at, last: RING[3]!.lodged_at ?? RING[0]!.lodged_at });
      expect(figures.value).toEqual([{ currency: 'MAD', total: 1250 }]);
      // Every page of an entity's declarations, counted: T1 lodged D1 and D4; a declaration names none.
      expect([await store.countEntityDeclarations(t1), await store.countEntityDeclarations(d1)]).toEqual([(await store.entityDeclarations(t1, { limit: 100 })).length, 0]);
      expect(await store.countEntityDeclarations(t1)).toBeGreaterThanOrEqual(2);
      expect(await store.linkFigures(s1, t1)).toEqual(figures);
      expect(await store.linkFigures(t1, t3)).toEqual({ declarations: 0, value: [] });
      const page = await store.linkDeclarations(t1, b1, { limit: 1 });
      expect(page).toHaveLength(1);
      const rest = await store.linkDeclarations(t1, b1, { limit: 5, after: page[0]!.id });
      expect([...page, ...rest].map((d) => d.declaration_id).sort()).toEqual(['D1', 'D4']);
      expect(rest.map((d) => d.id)).not.toContain(page[0]!.id);
    });

    it('purges the identities of old declarations as its plan says: outcomes and amounts stay, a party with a recent declaration keeps its identity', async () => {
      await store.writeBatch(batchOf([
        row({ declaration_id: 'P-A1', lodged_at: '2014-03-01', trader_id: 'PTA', trader_name: 'Atlas Old', trader_phone: '0661000001', trader_directors: 'Karim Oldname', outcome: 'seizure' }),
        row({ declaration_id: 'P-A2', lodged_at: '2014-05-01', trader_id: 'PTA', trader_name: 'Atlas Old', trader_phone: '0661000004' }),
        row({ declaration_id: 'P-B1', lodged_at: '2014-04-01', trader_id: 'PTB', trader_name: 'Boreal Mixed', trader_phone: '0661000002' }),
        row({ declaration_id: 'P-B2', lodged_at: '2025-04-01', trader_id: 'PTB', trader_name: 'Boreal Mixed', trader_phone: '0661000002' }),
        row({ declaration_id: 'P-C1', lodged_at: '2014-06-01', trader_id: 'PTC', trader_name: 'Cedre Old', trader_phone: '0661000002' }),
        row({ declaration_id: 'P-D1', lodged_at: '2014-07-01', trader_id: 'PTD', trader_name: 'Dune Old', trader_phone: '0661000004' }),
      ]));
      const phone = (n: string) => keyFor('Phone', n, { phoneRegion: 'MA' });
      // The supplier, broker and carrier of every row have a recent declaration (P-B2): they keep theirs.
      const plan = await store.purgePlan('2020-01-01');
      expect(plan).toEqual({ declarations: 5, parties: 3, identifiers: 3 });
      const pseudonym = (kind: string, key: string) => `purged:${kind}-${key}`.toLowerCase();
      let done = { declarations: 0, parties: 0, identifiers: 0 };
      for (let step = await store.purgeStep('2020-01-01', 2, pseudonym); step.declarations > 0; step = await store.purgeStep('2020-01-01', 2, pseudonym)) {
        done = { declarations: done.declarations + step.declarations, parties: done.parties + step.parties, identifiers: done.identifiers + step.identifiers };
      }
      expect(done).toEqual(plan);
      expect(await store.purgePlan('2020-01-01')).toEqual({ declarations: 0, parties: 0, identifiers: 0 });
      const a1 = (await store.getDeclaration('P-A1/1'))!;
      expect(a1).toMatchObject({ outcome: 'seizure', declared_value: 1000, lodged_at: '2014-03-01', trader_id: 'purged:trader-pta' });
      expect(a1.trader_name ?? null).toBeNull();
      expect(a1.trader_phone ?? null).toBeNull();
      expect(await store.findEntity({ kind: 'Trader', key: 'PTA' })).toBeNull();
      expect(await store.findEntity({ kind: 'Trader', key: 'purged:trader-pta' })).toMatchObject({ name: '' });
      for (const gone of ['0661000001', '0661000004']) expect(await store.findEntity({ kind: 'Phone', key: phone(gone) })).toBeNull();
      expect(await store.findEntity({ kind: 'Person', key: keyFor('Person', 'Karim Oldname', { phoneRegion: 'MA' }) })).toBeNull();
      expect(await store.findEntity({ kind: 'Phone', key: phone('0661000002') })).not.toBeNull();
      expect((await store.findEntity({ kind: 'Trader', key: 'PTB' }))!.name).toBe('Boreal Mixed');
      expect((await store.searchByName('Old', { limit: 10 })).map((e) => e.key)).toEqual([]);
      expect((await store.counts()).declarations).toBe(6);
      // Audit records older than a day are removed; the log keeps the rest.
      await store.appendAudit({ at: '2014-01-01T00:00:00.000Z', who: 'k', role: 'admin', operation: 'entity', entityIds: [], requestId: 'old' });
      await store.appendAudit({ at: '2025-01-01T00:00:00.000Z', who: 'k', role: 'admin', operation: 'entity', entityIds: [], requestId: 'new' });
      expect(await store.purgeAudit('2020-01-01')).toBe(1);
      expect((await store.listAudit({ limit: 10 })).map((r) => r.requestId)).toEqual(['new']);
    });

    it('keeps investigation cases whole, lists them newest first by status, and refuses a save from a stale version', async () => {
      const at = '2025-05-01T10:00:00.000Z';
      const base = { status: 'open' as const, createdAt: at, createdBy: 'inv', updatedAt: at, version: 1, items: [], notes: [], history: [{ at, who: 'inv', action: 'opened' as const, detail: 'A' }] };
      const a = await store.createCase({ ...base, title: 'Case A' });
      const b = await store.createCase({ ...base, title: 'Case B', status: 'referred' });
      expect(await store.getCase(a.id)).toEqual(a);
      expect(await store.getCase('no-such-case')).toBeNull();
      expect((await store.listCases({ limit: 10 })).map((c) => c.title)).toEqual(['Case B', 'Case A']);
      expect((await store.listCases({ limit: 10, status: 'open' })).map((c) => c.title)).toEqual(['Case A']);
      expect([await store.countCases({}), await store.countCases({ status: 'open' }), await store.countCases({ status: 'closed_confirmed' })]).toEqual([2, 1, 0]);
      const page = await store.listCases({ limit: 1 });
      expect((await store.listCases({ limit: 5, before: page[0]!.id })).map((c) => c.title)).toEqual(['Case A']);
      const changed = { ...a, items: [{ kind: 'entity' as const, ref: '42', note: 'shares a phone', addedAt: at, addedBy: 'inv' }], updatedAt: '2025-05-02T10:00:00.000Z' };
      expect(await store.saveCase(changed, 1)).toBe(true);
      expect(await store.saveCase({ ...a, title: 'stale' }, 1)).toBe(false);
      expect(await store.getCase(a.id)).toEqual({ ...changed, version: 2 });
      expect((await store.getCase(b.id))!.title).toBe('Case B');
    });

    it('stores each alert key once, filters and pages alerts, refuses a save from a stale version, and keeps alert passes and watches', async () => {
      const alert = (key: string, extra: Partial<NewAlert> = {}): NewAlert => ({
        key, type: 'risk_threshold', severity: 'high', summary: `about ${key}`, entities: ['e1'], evidence: [{ kind: 'entity', ref: 'e1' }], runs: { previous: '1', current: '2' }, ...extra,
      });
      const first = await store.addAlerts([alert('a'), alert('b', { type: 'watch', severity: 'low', entities: ['e2', 'e1'], assignee: 'desk-1' })], '2026-01-01T00:00:00.000Z');
      expect(first.map((a) => [a.key, a.state, a.version])).toEqual([['a', 'new', 1], ['b', 'new', 1]]);
      // The same changes again, and one new: only the new one is stored.
      const again = await store.addAlerts([alert('a'), alert('b'), alert('c', { severity: 'critical' })], '2026-01-02T00:00:00.000Z');
      expect(again.map((a) => a.key)).toEqual(['c']);
      expect(await store.countAlerts({})).toBe(3);
      expect((await store.listAlerts({ limit: 10 })).map((a) => a.key)).toEqual(['c', 'b', 'a']);
      expect((await store.listAlerts({ limit: 10, before: again[0]!.id })).map((a) => a.key)).toEqual(['b', 'a']);
      expect((await store.listAlerts({ limit: 10, types: ['watch'] })).map((a) => a.key)).toEqual(['b']);
      expect(await store.countAlerts({ minSeverity: 'high' })).toBe(2);
      expect(await store.countAlerts({ since: '2026-01-02' })).toBe(1);
      expect(await store.countAlerts({ until: '2026-01-02' })).toBe(2);
      expect(await store.countAlerts({ assignee: 'desk-1' })).toBe(1);
      expect(await store.countAlerts({ entityId: 'e2' })).toBe(1);
      expect((await store.alertsAfter(first[0]!.id, 10)).map((a) => a.key)).toEqual(['b', 'c']);
      expect(await store.lastAlertId()).toBe(again[0]!.id);
      const got = (await store.getAlert(first[0]!.id))!;
      expect(got).toEqual(first[0]);
      expect(await store.getAlert('no-such-alert')).toBeNull();
      const acked = { ...got, state: 'acknowledged' as const, history: [...got.history, { at: '2026-01-03T00:00:00.000Z', who: 'inv', action: 'acknowledged' as const, detail: '' }] };
      expect(await store.saveAlert(acked, 1)).toBe(true);
      expect(await store.saveAlert({ ...got, state: 'dismissed' }, 1)).toBe(false);
      expect(await store.getAlert(got.id)).toEqual({ ...acked, version: 2 });
      expect(await store.countAlerts({ states: ['acknowledged'] })).toBe(1);

      expect(await store.getAlertPass('7')).toBeNull();
      const pass = { runId: '7', previousRunId: '6', alerts: [alert('d')], focus: ['e1'], ties: ['e1>e2'], watchSeen: [] };
      await store.saveAlertPass(pass);
      expect(await store.getAlertPass('7')).toEqual(pass);
      await store.saveAlertPass({ ...pass, raisedAt: '2026-01-04T00:00:00.000Z' });
      expect((await store.getAlertPass('7'))!.raisedAt).toBe('2026-01-04T00:00:00.000Z');

      const w1 = await store.addWatch({ kind: 'entity', ref: 'e1', who: 'desk-1', at: '2026-01-01T00:00:00.000Z', note: 'why' });
      const w2 = await store.addWatch({ kind: 'ring', ref: '6:3', who: 'desk-2', at: '2026-01-01T00:00:00.000Z', seen: { run: '6', risk: 0.5, members: ['e1'] } });
      expect((await store.listWatches()).map((w) => w.id)).toEqual([w1.id, w2.id]);
      expect((await store.listWatches({ who: 'desk-2' })).map((w) => w.ref)).toEqual(['6:3']);
      await store.saveWatchSnapshots([{ id: w1.id, seen: { run: '7', risk: 0.7, declarations: 3 } }]);
      expect(await store.getWatch(w1.id)).toEqual({ ...w1, seen: { run: '7', risk: 0.7, declarations: 3 } });
      expect(await store.removeWatch(w1.id)).toBe(true);
      expect(await store.removeWatch(w1.id)).toBe(false);
      expect(await store.getWatch(w1.id)).toBeNull();
    });

    it('keeps a run\'s card beside it, read on its own, and none for a run completed without one', async () => {
      const model = { declarationModel: { features: [], model: { bias: -3, weights: [] }, source: 'defaults' as const }, medians: {} };
      const card = { modelCard: { software: { name: 'customs-graph', version: '1' }, heldOut: { auc: 0.8, predictions: [['d1', 0.25]] } }, dataQuality: { rows: 3 } } as never;
      const withCard = await store.beginRun({ seed: 1, params: {}, startedAt: '2025-01-01T00:00:00Z' });
      await store.completeRun(withCard, { timings: {}, counts: {}, params: {}, model, card });
      const without = await store.beginRun({ seed: 2, params: {}, startedAt: '2025-01-02T00:00:00Z' });
      await store.completeRun(without, { timings: {}, counts: {}, params: {}, model });
      expect(await store.runCard(withCard)).toEqual(card);
      expect(await store.runCard(without)).toBeNull();
      expect(await store.runCard('no-such-run')).toBeNull();
      expect(await store.currentRun()).not.toHaveProperty('card');
    });

    it('adds data-quality counters up across loads, by month and measure', async () => {
      await store.addQualityCounts([{ month: '2025-01', measure: 'rows', n: 3 }, { month: '2025-01', measure: 'filled:trader_phone', n: 2 }]);
      await store.addQualityCounts([{ month: '2025-01', measure: 'rows', n: 4 }, { month: '2024-12', measure: 'rows', n: 1 }]);
      await store.addQualityCounts([]);
      expect(await store.qualityCounts()).toEqual([
        { month: '2024-12', measure: 'rows', n: 1 }, { month: '2025-01', measure: 'filled:trader_phone', n: 2 }, { month: '2025-01', measure: 'rows', n: 7 },
      ]);
    });

    it('records channel overrides and lists them newest first, since a time and by page', async () => {
      const base = { who: 'officer', modelChannel: 'red' as const, channel: 'green' as const, reason: 'documents_verified' as const };
      const a = await store.recordOverride({ ...base, at: '2025-03-01T10:00:00.000Z', declarationId: 'D1' });
      await store.recordOverride({ ...base, at: '2025-03-02T10:00:00.000Z', declarationId: 'D2', note: 'invoice seen', runId: '7' });
      await store.recordOverride({ ...base, at: '2025-03-03T10:00:00.000Z', declarationId: 'D3', channel: 'red', modelChannel: 'green', reason: 'intelligence' });
      expect(a.id).toBeTruthy();
      const page = await store.listOverrides({ limit: 2 });
      expect(page.map((o) => o.declarationId)).toEqual(['D3', 'D2']);
      expect(page[1]).toMatchObject({ note: 'invoice seen', runId: '7', reason: 'documents_verified', modelChannel: 'red', channel: 'green' });
      expect((await store.listOverrides({ limit: 10, before: page[1]!.id })).map((o) => o.declarationId)).toEqual(['D1']);
      expect((await store.listOverrides({ limit: 10, since: '2025-03-02T00:00:00.000Z' })).map((o) => o.declarationId)).toEqual(['D3', 'D2']);
      expect([await store.countOverrides({}), await store.countOverrides({ since: '2025-03-02T00:00:00.000Z' })]).toEqual([3, 2]);
    });

    it('says which declarations a batch replaced, from which load, and removes links with the identifiers they alone held', async () => {
      expect((await store.writeBatch(batchOf(RING))).replaced).toEqual([]);
      const again = await store.bulk(10, async () => store.writeBatch(batchOf([row({ declaration_id: 'D1', trader_id: 'T9', trader_phone: '0661999999' })])));
      expect(again.replaced).toHaveLength(1);
      expect(again.replaced[0]).toMatchObject({ key: 'D1/1', sameLoad: false, previous: { trader_id: 'T1' }, current: { trader_id: 'T9' }, previousSource: { file: 'test.csv', line: 2 } });
      const within = await store.bulk(10, async () => {
        await store.writeBatch(batchOf([row({ declaration_id: 'N1', trader_id: 'T9' })]));
        return store.writeBatch(batchOf([row({ declaration_id: 'N1', trader_id: 'T8' })]));
      });
      expect(within.replaced[0]).toMatchObject({ key: 'N1/1', sameLoad: true });
      const phone = { kind: 'Phone' as const, key: '+212661999999' };
      expect(await store.findEntity(phone)).not.toBeNull();
      const removed = await store.removeLinks([{ from: { kind: 'Trader', key: 'T9' }, type: 'HAS_PHONE', to: phone }]);
      expect(removed).toEqual({ links: 1, entities: 1 });
      expect(await store.findEntity(phone)).toBeNull();
      expect(await store.findEntity({ kind: 'Trader', key: 'T9' })).not.toBeNull();
    });

    it('marks failed the runs whose heartbeat stopped, never one that is alive', async () => {
      const quiet = await store.beginRun({ seed: 1, params: {}, startedAt: new Date(Date.now() - 60_000).toISOString() });
      const alive = await store.beginRun({ seed: 2, params: {}, startedAt: new Date(Date.now() - 60_000).toISOString() });
      await store.heartbeat(alive);
      expect(await store.failAbandonedRuns(120_000)).toEqual([]);
      expect(await store.failAbandonedRuns(30_000)).toEqual([quiet]);
      const runs = new Map((await store.listRuns(10)).map((r) => [r.id, r]));
      expect(runs.get(quiet)).toMatchObject({ status: 'failed', error: expect.stringMatching(/^abandoned: no heartbeat since/) });
      expect(runs.get(alive)).toMatchObject({ status: 'running' });
    });
  });
}
