/**
 * From a score to the declarations behind it, through GraphQL over a real socket: a reason's
 * references name the seized declaration with its date, goods and amount; the declaration opens
 * with every field and its parties; a link between two entities gives its declarations, checked
 * against the store page by page. Scorers read none of it.
 */
import { parseGlobalId } from '../src/api/global-id';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/api/server';
import type { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { servedApi, type GqlClient } from './api-client';
import { analysedSyntheticStore, tempDir } from './helpers';

const KEYS = { investigator: ['investigator', 'inv-key-3'], scorer: ['scorer', 'sco-key-3'] } satisfies Record<string, [string, string]>;
const tmp = tempDir('cg-evidence-');
let store: SqliteGraphStore;
let server: RunningServer;
let gql: GqlClient<keyof typeof KEYS>;


const REFS = 'references { kind text declaration { id declarationId lodgedOn hsCode declaredValue currency outcome } entity { id name } ring { rank } category { field value controlled bad entity { id name } } }';

beforeAll(async () => {
  ({ store } = await analysedSyntheticStore(tmp.dir, 'evidence.db', { traders: 600, seed: 13 }));
  ({ server, gql } = await servedApi(store, KEYS));
}, 240_000);

afterAll(async () => {
  await server.close();
  await store.close();
  tmp.cleanup();
});

/** The store's id in a global id. */
const local = (id: string) => parseGlobalId(id)!.local;

describe('evidence behind a score', () => {
  it('names a seized declaration with its date, goods, amount and outcome, and opens it whole', async () => {
    const seized = (await store.topEntities({ kind: 'Trader', limit: 500 })).find((s) => s.signals.some((r) => r.name === 'seizures' && r.evidence.length > 0))!;
    const r = await gql('investigator', `query($id: ID!) { entity(id: $id) { risk { reasons { name ${REFS} } } } }`, { id: seized.entityId });
    expect(r.errors).toBeUndefined();
    const refs = r.data!.entity.risk.reasons.find((x: { name: string }) => x.name === 'seizures').references;
    const decl = refs.find((x: { kind: string }) => x.kind === 'DECLARATION');
    expect(decl.declaration.outcome).toBe('SEIZURE');
    expect(decl.text).toContain(`Declaration ${decl.declaration.declarationId}/1`);
    expect(decl.text).toContain(decl.declaration.lodgedOn);
    expect(decl.text).toContain(`HS ${decl.declaration.hsCode}`);
    expect(decl.text).toContain(`${Math.round(decl.declaration.declaredValue).toLocaleString('en-US')} ${decl.declaration.currency}`);
    expect(decl.text).toContain('seized');

    const full = await gql('investigator', `query($id: ID!) { declaration(id: $id) { id declarationId lodgedAt office regime hsCode goodsDescription originCountry
      goodsOriginCountry transportMode vessel containerIds loadingPort transitPorts dischargePort destinationCountry quantity unit grossWeightKg declaredValue
      currency unitValue hsMedianUnitValue outcome fraudType recoveredAmount aeo parties { role entity { id kind name } } } }`, { id: decl.declaration.id });
    expect(full.errors).toBeUndefined();
    const d = full.data!.declaration;
    expect(d.id).toBe(decl.declaration.id);
    const stored = (await store.getDeclarations([local(d.id)]))[0]!;
    expect(d).toMatchObject({ declarationId: stored.declaration_id, office: stored.office, goodsDescription: stored.goods_description, quantity: stored.quantity,
      grossWeightKg: stored.gross_weight_kg, fraudType: stored.fraud_type, recoveredAmount: stored.recovered_amount, aeo: stored.aeo });
    expect(d.unitValue).toBeCloseTo(stored.declared_value / stored.quantity!, 3);
    const run = (await store.currentRun())!;
    expect(d.hsMedianUnitValue).toBe(run.model!.medians[`${stored.hs_code}|${stored.currency}`] ?? null);
    expect(d.hsMedianUnitValue).not.toBeNull();
    expect(d.parties.find((p: { role: string }) => p.role === 'FILED_BY').entity.id).toBe(`Entity:${seized.entityId}`);
    expect(d.parties.map((p: { role: string }) => p.role).sort()).toEqual(stored.parties.map((p) => p.rel).sort());
  });

  it('opens the ring of a shared-identifier reason, and words an attribute\'s record with the entity it names', async () => {
    const member = (await store.topEntities({ kind: 'Trader', limit: 1000 })).find((s) => s.community !== undefined && s.signals.some((r) => r.name === 'shared_identifier_ring'))!;
    const r = await gql('investigator', `query($id: ID!) { entity(id: $id) { risk { community reasons { name ${REFS} } } } }`, { id: member.entityId });
    const ringRef = r.data!.entity.risk.reasons.find((x: { name: string }) => x.name === 'shared_identifier_ring').references[0];
    expect(ringRef.kind).toBe('RING');
    const ranked = await store.getCommunity(member.community!);
    if (ranked) expect(ringRef.ring.rank).toBe(ranked.rank);
  });

  it('words a declaration\'s risk: an attribute\'s record with the entity it names and its counts', async () => {
    // The declarations of the riskiest traders, until one has a reason from its broker's or supplier's record.
    let found: { text: string; category: { field: string; value: string; controlled: number; bad: number; entity: { id: string; name: string } } } | undefined;
    for (const s of await store.topEntities({ kind: 'Trader', limit: 40 })) {
      for (const row of await store.entityDeclarations(s.entityId, { limit: 5 })) {
        const r = await gql('investigator', `query($id: ID!) { declaration(id: $id) { risk { score reasons { name ${REFS} } } } }`, { id: row.id });
        expect(r.errors).toBeUndefined();
        found ??= r.data!.declaration.risk.reasons.flatMap((x: { references: any[] }) => x.references)
          .find((x: { kind: string; category: { field: string } | null }) => x.kind === 'CATEGORY' && ['broker', 'supplier'].includes(x.category!.field));
      }
      if (found) break;
    }
    expect(found).toBeDefined();
    const c = found!.category;
    expect(local(c.entity.id)).toBe(c.value);
    expect(found!.text).toBe(`${c.bad} of ${c.controlled} controlled declarations with ${c.field} ${c.entity.name} had a discrepancy or a seizure`);
    const record = (await store.categoryRisk()).find((x) => x.field === c.field && x.value === c.value)!;
    expect({ n: record.n, bad: record.bad }).toEqual({ n: c.controlled, bad: c.bad });
  });

  it('gives the declarations tying a trader to its supplier, counted and paged as the store has them', async () => {
    const trader = (await store.topEntities({ kind: 'Trader', limit: 1 }))[0]!.entityId;
    const mine: Array<{ id: string; lodged_at: string; declared_value: number }> = [];
    for (let after: string | undefined; ;) {
      const page = await store.entityDeclarations(trader, { limit: 50, after });
      mine.push(...page);
      if (page.length < 50) break;
      after = page[page.length - 1]!.id;
    }
    const supplierOf = new Map<string, string>();
    for (const d of await store.getDeclarations(mine.map((x) => x.id))) {
      const s = d.parties.find((p) => p.rel === 'SUPPLIED_BY');
      if (s) supplierOf.set(d.id, s.entityId);
    }
    const supplier = [...supplierOf.values()].sort((a, b) => [...supplierOf.values()].filter((x) => x === b).length - [...supplierOf.values()].filter((x) => x === a).length)[0]!;
    const expected = mine.filter((d) => supplierOf.get(d.id) === supplier);
    const q = `query($a: ID!, $b: ID!, $first: Int, $after: String) { linkEvidence(a: $a, b: $b) { a { id } b { id } declarations firstDate lastDate value { currency amount }
      page(first: $first, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    let figures: any;
    do {
      const r = await gql('investigator', q, { a: trader, b: supplier, first: 2, after });
      expect(r.errors).toBeUndefined();
      figures = r.data!.linkEvidence;
      seen.push(...figures.page.edges.map((e: { node: { id: string } }) => e.node.id));
      after = figures.page.pageInfo.hasNextPage ? figures.page.pageInfo.endCursor : null;
    } while (after);
    expect(figures.declarations).toBe(expected.length);
    expect(seen.sort()).toEqual(expected.map((d) => `Declaration:${d.id}`).sort());
    expect(figures.firstDate).toBe(expected.map((d) => d.lodged_at).sort()[0]);
    expect(figures.lastDate).toBe(expected.map((d) => d.lodged_at).sort().pop());
    expect(figures.value[0].amount).toBeCloseTo(expected.reduce((s, d) => s + d.declared_value, 0), 2);
  });

  it('answers an unknown id with null or nothing, and limits pages given as variables', async () => {
    const missing = await gql('investigator', '{ declaration(id: "d999999999") { id } }');
    expect(missing.data!.declaration).toBeNull();
    expect(missing.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', argument: 'id' });
    const none = await gql('investigator', '{ linkEvidence(a: "999999998", b: "999999999") { a { id } declarations page { edges { node { id } } } } }');
    expect(none.data).toBeNull();
    expect(none.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', argument: 'a' });
    const trader = (await store.topEntities({ kind: 'Trader', limit: 1 }))[0]!.entityId;
    const big = await gql('investigator', 'query($a: ID!, $n: Int) { linkEvidence(a: $a, b: $a) { page(first: $n) { edges { node { id } } } } }', { a: trader, n: 100_000 });
    expect(big.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    const bad = await gql('investigator', 'query($a: ID!) { linkEvidence(a: $a, b: $a) { page(after: "not-a-cursor") { edges { node { id } } } } }', { a: trader });
    expect(bad.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  });

  it('is not open to a scorer', async () => {
    const trader = (await store.topEntities({ kind: 'Trader', limit: 1 }))[0]!.entityId;
    const d = (await store.entityDeclarations(trader, { limit: 1 }))[0]!.id;
    expect((await gql('scorer', 'query($id: ID!) { declaration(id: $id) { id } }', { id: d })).errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect((await gql('scorer', 'query($a: ID!) { linkEvidence(a: $a, b: $a) { declarations } }', { a: trader })).errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });
});
