/**
 * The retention purge on the embedded store: what a dry run says is what the purge does; a purged
 * identity is no longer found by search, key, path, neighbourhood or export, while outcomes and
 * amounts stay; a party with a recent declaration keeps its identity and a phone it shares; a
 * purge killed with kill -9 midway leaves a consistent store, and run again ends where an
 * uninterrupted purge ends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyFor } from '../src/domain/entities';
import { runPurge } from '../src/retention/purge';
import type { RunningServer } from '../src/api/server';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { servedApi, type GqlClient } from './api-client';
import { analysedSyntheticStore, ingestInto, runCli, spawnCli, tempDir } from './helpers';

const tmp = tempDir('cg-purge-');
const CUTOFF = '2020-01-01';
const HEADER = 'declaration_id,item_no,lodged_at,trader_id,trader_name,trader_phone,trader_directors,origin_country,hs_code,declared_value,currency,outcome';
const ROWS = [
  'A1,1,2014-03-01,TA,Atlas Old SARL,0661000001,Karim Oldname,CN,610910,1000,MAD,seizure',
  'A2,1,2014-05-01,TA,Atlas Old SARL,0661000004,,CN,610910,1100,MAD,clear',
  'B1,1,2014-04-01,TB,Boreal Mixed SARL,0661000002,,TR,870899,2000,MAD,unknown',
  'B2,1,2025-04-01,TB,Boreal Mixed SARL,0661000002,,TR,870899,2100,MAD,unknown',
  'C1,1,2014-06-01,TC,Cedre Old SARL,0661000002,,ES,392690,3000,MAD,discrepancy',
  'D1,1,2014-07-01,TD,Dune Old SARL,0661000004,,IN,850440,4000,MAD,clear',
];
const phone = (n: string) => keyFor('Phone', n, { phoneRegion: 'MA' });

let store: SqliteGraphStore;
let server: RunningServer;
let gql: GqlClient<'inv'>;

beforeAll(async () => {
  writeFileSync(join(tmp.dir, 'old.csv'), `${HEADER}\n${ROWS.join('\n')}\n`);
  store = new SqliteGraphStore(join(tmp.dir, 'purge.db'));
  await store.migrate();
  await ingestInto(store, [join(tmp.dir, 'old.csv')], tmp.dir);
  ({ server, gql } = await servedApi(store, { inv: ['investigator', 'pg-inv'] }));
});

afterAll(async () => {
  await server.close();
  await store.close();
  tmp.cleanup();
});

describe('the retention purge', () => {
  it('does what its dry run says, and identities purged are found no more while outcomes and amounts stay', async () => {
    const [a, d] = [(await store.findEntity({ kind: 'Trader', key: 'TA' }))!.id, (await store.findEntity({ kind: 'Trader', key: 'TD' }))!.id];
    expect((await gql('inv', `{ shortestPath(from: "${a}", to: "${d}") { length } }`)).data!.shortestPath.length).toBe(2);

    const dry = await runPurge(store, { before: CUTOFF, dryRun: true });
    expect(dry.plan).toEqual({ declarations: 5, parties: 3, identifiers: 3 });
    expect((await store.counts()).declarations).toBe(6);
    const real = await runPurge(store, { before: CUTOFF, dryRun: false, batch: 2, secret: 'test-secret' });
    expect(real.done).toEqual(dry.plan);
    // Run again: nothing left to do.
    expect((await runPurge(store, { before: CUTOFF, dryRun: false })).done).toEqual({ declarations: 0, parties: 0, identifiers: 0 });

    // Outcomes, amounts, goods and dates stay; the names and ids do not.
    const a1 = (await store.getDeclaration('A1/1'))!;
    expect(a1).toMatchObject({ outcome: 'seizure', declared_value: 1000, hs_code: '610910', lodged_at: '2014-03-01', origin_country: 'CN' });
    expect(a1.trader_name).toBeUndefined();
    expect(a1.trader_phone).toBeUndefined();
    expect(a1.trader_id).toMatch(/^purged:[0-9a-f]{24}$/);
    expect((await store.counts()).declarations).toBe(6);

    // Not by name, not by key, not by path, neighbourhood or export.
    for (const name of ['Atlas', 'Cedre', 'Dune', 'Karim']) expect((await gql('inv', `{ search(text: "${name}") { totalCount } }`)).data!.search.totalCount, name).toBe(0);
    expect((await gql('inv', '{ search(text: "Boreal") { totalCount } }')).data!.search.totalCount).toBe(1);
    for (const p of ['0661000001', '0661000004']) expect(await store.findEntity({ kind: 'Phone', key: phone(p) }), p).toBeNull();
    expect(await store.findEntity({ kind: 'Trader', key: 'TA' })).toBeNull();
    expect((await gql('inv', '{ entity(kind: PHONE, key: "0661000001") { id } }')).errors![0]!.extensions!.code).toBe('NOT_FOUND');
    expect((await gql('inv', `{ shortestPath(from: "${a}", to: "${d}") { length } }`)).data!.shortestPath).toBeNull();
    const b = (await store.findEntity({ kind: 'Trader', key: 'TB' }))!.id;
    const around = JSON.stringify((await gql('inv', `{ neighborhood(id: "${b}", hops: 3, limit: 100) { nodes { key name } } }`)).data);
    const exported = (await gql('inv', `{ exportGraph(format: GRAPHML, id: "${b}", hops: 3) { content } }`)).data!.exportGraph.content as string;
    for (const text of [around, exported]) {
      for (const gone of ['Atlas', 'Cedre', 'Dune', 'Karim', 'TA', 'TC', 'TD', phone('0661000001')]) expect(text, gone).not.toContain(gone);
    }
    // A party with a recent declaration keeps its identity, and the phone it shares with a purged one.
    expect(around).toContain('Boreal Mixed SARL');
    expect(await store.findEntity({ kind: 'Phone', key: phone('0661000002') })).not.toBeNull();
    expect((await store.getDeclaration('B2/1'))!.trader_name).toBe('Boreal Mixed SARL');
    // The purge is in the audit log by its counts, never a name.
    const record = (await store.listAudit({ limit: 200 })).find((r) => r.operation === 'purge' && r.detail?.includes(': 5 lost'))!;
    expect(record.detail).toBe(`declarations lodged before ${CUTOFF}: 5 lost their identities, 3 parties kept as pseudonyms, 3 identifiers removed`);
  });

  it('gives a purged declaration its identities back when it is loaded again', async () => {
    writeFileSync(join(tmp.dir, 'again.csv'), `${HEADER}\n${ROWS[0]}\n`);
    await ingestInto(store, [join(tmp.dir, 'again.csv')], tmp.dir);
    expect((await store.getDeclaration('A1/1'))!.trader_name).toBe('Atlas Old SARL');
    expect((await runPurge(store, { before: CUTOFF, dryRun: true })).plan.declarations).toBe(1);
  });
});

/** A store's content, table by table, as hashes. */
function contentHashes(db: string): Record<string, string> {
  const d = new Database(db, { readonly: true });
  try {
    const hash = (sql: string) => createHash('sha256').update(JSON.stringify(d.prepare(sql).raw().all())).digest('hex').slice(0, 16);
    return {
      entities: hash('SELECT kind, key, name FROM entities ORDER BY kind, key'),
      edges: hash('SELECT a.kind, a.key, e.type, b.kind, b.key FROM edges e JOIN entities a ON a.id = e.src JOIN entities b ON b.id = e.dst ORDER BY 1, 2, 3, 4, 5'),
      declarations: hash('SELECT declaration_id, item_no, declared, purged, outcome, declared_value FROM declarations ORDER BY declaration_id, item_no'),
      danglingEdges: String(d.prepare('SELECT COUNT(*) FROM edges WHERE src NOT IN (SELECT id FROM entities) OR dst NOT IN (SELECT id FROM entities)').pluck().get()),
    };
  } finally {
    d.close();
  }
}

describe('a purge killed midway', () => {
  it('leaves a consistent store, and run again ends where an uninterrupted purge ends', async () => {
    const { store: big } = await analysedSyntheticStore(tmp.dir, 'big.db', { traders: 400, seed: 4 });
    const dates = big.db.prepare('SELECT lodged_at FROM declarations ORDER BY lodged_at').pluck().all() as string[];
    const cutoff = dates[Math.floor(dates.length * 0.6)]!.slice(0, 10);
    await big.close();
    const copy = join(tmp.dir, 'big-copy.db');
    copyFileSync(join(tmp.dir, 'big.db'), copy);
    const env = { CUSTOMS_GRAPH_PSEUDONYM_KEY: 'same-secret-for-both' };
    const whole = runCli(['purge', '--db', copy, '--before', cutoff, '--json'], { env });
    expect(whole.status, whole.stderr).toBe(0);
    const planned = (JSON.parse(whole.stdout) as { plan: unknown; done: unknown });
    expect(planned.done).toEqual(planned.plan);

    const killed = spawnCli(['purge', '--db', join(tmp.dir, 'big.db'), '--before', cutoff, '--batch', '5'], { env });
    const purgedSoFar = () => {
      const d = new Database(join(tmp.dir, 'big.db'), { readonly: true });
      try {
        return d.prepare("SELECT COUNT(*) FROM pragma_table_info('declarations') WHERE name = 'purged'").pluck().get()
          ? d.prepare('SELECT COUNT(*) FROM declarations WHERE purged = 1').pluck().get() as number : 0;
      } finally {
        d.close();
      }
    };
    // Killed once it has purged something, long before it is done.
    while (purgedSoFar() < 50) await new Promise((r) => setTimeout(r, 20));
    killed.kill('SIGKILL');
    await new Promise((r) => killed.once('exit', r));
    const done = purgedSoFar();
    expect(done).toBeLessThan((planned.plan as { declarations: number }).declarations);
    const midway = contentHashes(join(tmp.dir, 'big.db'));
    expect(midway.danglingEdges).toBe('0');
    const again = runCli(['purge', '--db', join(tmp.dir, 'big.db'), '--before', cutoff, '--json'], { env });
    expect(again.status, again.stderr).toBe(0);
    expect(contentHashes(join(tmp.dir, 'big.db'))).toEqual(contentHashes(copy));
  }, 180_000);
});
