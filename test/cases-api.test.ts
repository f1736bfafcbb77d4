/**
 * Investigation cases through GraphQL over a real socket: opened, filled and annotated by one
 * investigator, read and changed by another, printed, closed as fraud confirmed with its entities
 * put on the watchlist; every change in the case's history and the audit log; a change from an
 * older version refused; no case for a scorer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/api/server';
import type { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { servedApi, type GqlClient } from './api-client';
import { analysedSyntheticStore, tempDir } from './helpers';

const KEYS = { first: ['investigator', 'case-inv-1'], second: ['investigator', 'case-inv-2'], scorer: ['scorer', 'case-sco'] } satisfies Record<string, [string, string]>;
const tmp = tempDir('cg-cases-');
let store: SqliteGraphStore;
let server: RunningServer;
let gql: GqlClient<keyof typeof KEYS>;


const CASE = 'id title status version createdBy items { kind ref note addedBy entity { id name } declaration { id outcome } ring { rank } } notes { who text } history { who action detail }';
const ADD = `mutation($id: ID!, $v: Int!, $kind: CaseItemKind!, $ref: ID!, $note: String) { addToCase(id: $id, version: $v, kind: $kind, ref: $ref, note: $note) { ${CASE} } }`;

let ring: { community: number; rank: number; members: string[] };
let member: string;
let seized: string;

beforeAll(async () => {
  ({ store } = await analysedSyntheticStore(tmp.dir, 'cases.db', { traders: 600, seed: 13 }));
  ({ server, gql } = await servedApi(store, KEYS));
  const top = (await store.topCommunities(1))[0]!;
  ring = top;
  const scores = await store.getScores(top.members);
  member = scores.find((s) => s.kind === 'Trader')!.entityId;
  for (const s of await store.topEntities({ kind: 'Trader', limit: 300 })) {
    const r = s.signals.find((x) => x.name === 'seizures' && x.evidence.some((e) => e.startsWith('d')));
    if (r) { seized = r.evidence.find((e) => e.startsWith('d'))!; break; }
  }
}, 240_000);

afterAll(async () => {
  await server.close();
  await store.close();
  tmp.cleanup();
});

describe('investigation cases', () => {
  it('are opened, filled and annotated, read and changed by a second investigator, and printed', async () => {
    const opened = await gql('first', `mutation($t: String!) { openCase(title: $t) { ${CASE} } }`, { t: 'Ring of shell importers, Casablanca' });
    expect(opened.errors).toBeUndefined();
    let c = opened.data!.openCase;
    expect(c).toMatchObject({ status: 'OPEN', version: 1, createdBy: 'env-1-investigator', items: [] });
    for (const [kind, ref, note] of [['RING', String(ring.community), 'ranked ring'], ['ENTITY', member, 'shares a bank account'], ['DECLARATION', seized, 'the seizure']] as const) {
      const r = await gql('first', ADD, { id: c.id, v: c.version, kind, ref, note });
      expect(r.errors, kind).toBeUndefined();
      c = r.data!.addToCase;
    }
    expect(c.version).toBe(4);
    expect(c.items.map((i: { kind: string }) => i.kind)).toEqual(['RING', 'ENTITY', 'DECLARATION']);
    expect(c.items[0].ring.rank).toBe(ring.rank);
    // A ring added by its community number is kept as the ring of the run it was added from.
    expect(c.items[0].ref).toBe(`Ring:${await store.currentRunId()}:${ring.community}`);
    expect(c.items[1].entity.id).toBe(`Entity:${member}`);
    expect(c.items[1].ref).toBe(`Entity:${member}`);
    expect(c.items[2].declaration.outcome).toBe('SEIZURE');
    // The second investigator reads it and adds a note; a change from the version read before is refused.
    const read = (await gql('second', `query($id: ID!) { case(id: $id) { ${CASE} } }`, { id: c.id })).data!.case;
    expect(read).toEqual(c);
    const note = await gql('second', `mutation($id: ID!, $v: Int!, $t: String!) { annotateCase(id: $id, version: $v, text: $t) { ${CASE} } }`, { id: c.id, v: read.version, t: 'Same director as case 12' });
    expect(note.errors).toBeUndefined();
    const stale = await gql('first', `mutation($id: ID!, $v: Int!, $t: String!) { annotateCase(id: $id, version: $v, text: $t) { id } }`, { id: c.id, v: c.version, t: 'late' });
    expect(stale.errors![0]!.extensions!.code).toBe('CONFLICT');
    c = note.data!.annotateCase;
    expect(c.notes).toEqual([{ who: 'env-2-investigator', text: 'Same director as case 12' }]);
    expect(c.history.map((h: { action: string }) => h.action)).toEqual(['OPENED', 'ADDED', 'ADDED', 'ADDED', 'ANNOTATED']);
    // Printed: the entities with their risk, the evidence declaration, the notes and the history.
    const html = (await gql('second', 'query($id: ID!) { case(id: $id) { reportHtml subgraph(limit: 100) { nodes { id } } } }', { id: c.id })).data!.case;
    const decl = (await store.getDeclarations([seized]))[0]!;
    for (const part of ['Ring of shell importers, Casablanca', `${decl.declaration_id}/${decl.item_no}`, 'seizure', 'Same director as case 12', 'annotated', 'shares a bank account']) {
      expect(html.reportHtml, part).toContain(part.replace(/&/g, '&amp;'));
    }
    expect(html.subgraph.nodes.map((n: { id: string }) => n.id)).toContain(`Entity:${member}`);
    // Listed by status, and audited.
    const listed = await gql('first', '{ cases(status: OPEN, first: 10) { edges { node { id } } } }');
    expect(listed.data!.cases.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(c.id);
    const audit = await store.listAudit({ limit: 50 });
    expect(audit.filter((a) => a.operation === 'addToCase')).toHaveLength(3);
    expect(audit.some((a) => a.operation === 'annotateCase' && a.who === 'env-2-investigator')).toBe(true);
  });

  it('closes as fraud confirmed and puts its entities on the watchlist', async () => {
    const c = (await gql('first', `mutation { openCase(title: "Confirmed") { ${CASE} } }`)).data!.openCase;
    const added = (await gql('first', ADD, { id: c.id, v: c.version, kind: 'ENTITY', ref: member })).data!.addToCase;
    const notYet = await gql('first', 'mutation($id: ID!, $v: Int!) { setCaseStatus(id: $id, version: $v, status: REFERRED, addToWatchlist: true) { id } }', { id: c.id, v: added.version });
    expect(notYet.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    const before = (await store.counts()).watchlist;
    const closed = await gql('first', `mutation($id: ID!, $v: Int!) { setCaseStatus(id: $id, version: $v, status: CLOSED_CONFIRMED, note: "duties recovered", addToWatchlist: true) { ${CASE} } }`, { id: c.id, v: added.version });
    expect(closed.errors).toBeUndefined();
    expect(closed.data!.setCaseStatus.status).toBe('CLOSED_CONFIRMED');
    expect(closed.data!.setCaseStatus.history.pop().detail).toMatch(/open → closed_confirmed: duties recovered; 1 entities put on the watchlist/);
    expect((await store.counts()).watchlist).toBe(before + 1);
    const entity = (await store.getEntities([member]))[0]!;
    expect((await store.watchlistHits()).some((h) => h.entity.id === member && h.entry.source === `case ${c.id.replace('Case:', '')}` && h.entity.key === entity.key)).toBe(true);
  });

  it('refuses bad input, given as variables, and is not open to a scorer', async () => {
    const c = (await gql('first', 'mutation { openCase(title: "Limits") { id version } }')).data!.openCase;
    for (const [vars, code] of [
      [{ id: c.id, v: c.version, kind: 'RING', ref: '999999' }, 'NOT_FOUND'],
      [{ id: c.id, v: c.version, kind: 'DECLARATION', ref: 'd999999999' }, 'NOT_FOUND'],
      [{ id: c.id, v: c.version, kind: 'ENTITY', ref: seized }, 'NOT_FOUND'], // a declaration is not an entity
      [{ id: c.id, v: c.version, kind: 'ENTITY', ref: member, note: 'x'.repeat(4001) }, 'BAD_USER_INPUT'],
      [{ id: 'nope', v: 1, kind: 'ENTITY', ref: member }, 'NOT_FOUND'],
    ] as const) {
      expect((await gql('first', ADD, vars)).errors![0]!.extensions!.code, JSON.stringify(vars).slice(0, 80)).toBe(code);
    }
    const ok = (await gql('first', ADD, { id: c.id, v: c.version, kind: 'ENTITY', ref: member })).data!.addToCase;
    expect((await gql('first', ADD, { id: c.id, v: ok.version, kind: 'ENTITY', ref: member })).errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect((await gql('first', 'mutation($t: String!) { openCase(title: $t) { id } }', { t: '   ' })).errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect((await gql('first', 'query($n: Int) { cases(first: $n) { edges { node { id } } } }', { n: 100_000 })).errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect((await gql('first', 'query($id: ID!) { case(id: $id) { subgraph(limit: 100000) { nodes { id } } } }', { id: c.id })).errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect((await gql('first', '{ case(id: "999999") { id } }')).data!.case).toBeNull();
    expect((await gql('scorer', '{ cases { edges { node { id } } } }')).errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect((await gql('scorer', 'mutation { openCase(title: "x") { id } }')).errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });
});
