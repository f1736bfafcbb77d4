import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { makeValidator, validateObject } from '../src/domain/declaration';
import { DECLARATION_FIELDS } from '../src/domain/fields';
import { runIngest } from '../src/ingest/ingest';
import { planIngest } from '../src/ingest/plan';
import { RejectsWriter } from '../src/ingest/rejects';
import { FatalInputError } from '../src/util/errors';
import { importWatchlist } from '../src/ingest/watchlist';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { row, tempDir, toCsv } from './helpers';

let tmp: ReturnType<typeof tempDir>;
let store: SqliteGraphStore;
beforeEach(async () => {
  tmp = tempDir('cg-ingest-');
  store = new SqliteGraphStore(join(tmp.dir, 'store.db'));
  await store.migrate();
});
afterEach(async () => {
  await store.close();
  tmp.cleanup();
});

const OPTS = () => ({ rejectsPath: join(tmp.dir, 'rejects.csv'), phoneRegion: 'MA', defaultCurrency: 'MAD' });

async function ingest(files: string[]) {
  return runIngest(store, await planIngest(files), OPTS());
}

function write(name: string, text: string | Buffer): string {
  const p = join(tmp.dir, name);
  writeFileSync(p, text);
  return p;
}

function rejects(): Array<Record<string, string>> {
  const p = join(tmp.dir, 'rejects.csv');
  return existsSync(p) ? parse(readFileSync(p), { columns: true }) : [];
}

describe('ingest of good rows', () => {
  it('loads a CSV, resolving the same company written three ways to one trader node', async () => {
    const file = write('d.csv', toCsv([
      row({ declaration_id: 'A', trader_id: 'ICE-001', trader_name: 'Atlas Import SARL', trader_phone: '+212 661-234567' }),
      row({ declaration_id: 'B', trader_id: 'ice 001', trader_name: 'STE ATLAS IMPORT S.A.R.L.', trader_phone: '0661234567' }),
      row({ declaration_id: 'C', trader_id: 'ICE001', trader_name: 'Société Atlas Import' }),
      row({ declaration_id: 'D', trader_id: 'ICE002', trader_name: 'Other SA', trader_phone: '06 61 23 45 67',
        consignee_name: 'Atlas Import SARL', consignee_country: 'ma' }),
      row({ declaration_id: 'E', trader_id: 'ICE003', consignee_name: 'ste atlas import', consignee_country: 'MA' }),
    ]));
    const s = await ingest([file]);
    expect(s).toMatchObject({ read: 5, accepted: 5, rejected: 0 });
    const c = await store.counts();
    expect(c.entities.Trader).toBe(3);
    expect(c.entities.Phone).toBe(1);
    expect(c.relationships.HAS_PHONE).toBe(2); // ICE001 and ICE002 share one Phone node
    expect(c.entities.Consignee).toBe(1); // by name + country, legal forms folded
    expect(await store.findEntity({ kind: 'Consignee', key: 'name:atlas import|MA' })).not.toBeNull();
    expect(rejects()).toEqual([]);
    expect(existsSync(join(tmp.dir, 'rejects.csv'))).toBe(false);
  });

  it('re-ingesting the same file changes no count', async () => {
    const file = write('d.csv', toCsv([row({ declaration_id: 'A', container_ids: 'MSCU1;MSCU2', trader_directors: 'A B;C D' }),
      row({ declaration_id: 'A', item_no: '2' }), row({ declaration_id: 'B', trader_id: 'T2' })]));
    await ingest([file]);
    const first = await store.counts();
    await ingest([file]);
    expect(await store.counts()).toEqual(first);
    expect(first.declarations).toBe(3);
  });

  it('loads NDJSON with numbers and lists as JSON values', async () => {
    const file = write('d.ndjson', [
      JSON.stringify({ ...row({ declaration_id: 'N1' }), declared_value: 12.5, item_no: 1, container_ids: ['C1', 'C2'] }),
      '',
      JSON.stringify({ ...row({ declaration_id: 'N2' }), trader_directors: 'X Y;Z W' }),
      '{not json',
      '[1,2]',
    ].join('\n'));
    const s = await ingest([file]);
    expect(s).toMatchObject({ read: 4, accepted: 2, rejected: 2 });
    expect(await store.getDeclaration('N1/1')).toMatchObject({ declared_value: 12.5, container_ids: ['C1', 'C2'] });
    expect(rejects().map((r) => [r.line, r.reason?.split(':')[0]])).toEqual([['4', 'not valid JSON'], ['5', 'not a JSON object']]);
  });

  it('ignores unknown columns with one warning', async () => {
    const cols = [...DECLARATION_FIELDS, 'internal_note', 'risk_flag'];
    const file = write('d.csv', toCsv([row({ internal_note: 'x' } as Record<string, string>)], cols));
    const plan = await planIngest([file]);
    expect(plan.warnings).toHaveLength(1);
    expect(plan.warnings[0]).toContain('internal_note, risk_flag');
  });

  it('accepts a file with only the required columns, in any order and case', async () => {
    const file = write('d.csv', 'HS_CODE,Declared_Value,origin_country,trader_id,lodged_at,declaration_id\n8471.30.00,10,cn,T1,2025-01-02T10:00:00+01:00,X1\n');
    const s = await ingest([file]);
    expect(s.accepted).toBe(1);
    expect(await store.getDeclaration('X1/1')).toMatchObject({
      hs_code: '84713000', origin_country: 'CN', lodged_at: '2025-01-02T09:00:00.000Z', regime: 'IM', currency: 'MAD', outcome: 'unknown',
    });
  });
});

describe('bad rows are rejected with line, id, field and reason, and nothing is lost', () => {
  it('counts always add up and each reject says why', async () => {
    const good = toCsv([row({ declaration_id: 'OK1' })]);
    const lines = [
      good.trimEnd(),
      toCsv([row({ declaration_id: 'BADDATE', lodged_at: '2025-02-30' })]).split('\n')[1],
      toCsv([row({ declaration_id: 'NEG', declared_value: '-5' })]).split('\n')[1],
      toCsv([row({ declaration_id: 'HS', hs_code: '12ab' })]).split('\n')[1],
      toCsv([row({ declaration_id: 'NOTRADER', trader_id: '' })]).split('\n')[1],
      toCsv([row({ declaration_id: 'BIG', goods_description: 'x'.repeat(70 * 1024) })]).split('\n')[1],
      toCsv([row({ declaration_id: 'OUTCOME', outcome: 'maybe' })]).split('\n')[1],
      'SHORT,1,2025-01-01',
      toCsv([row({ declaration_id: 'OK2' })]).split('\n')[1],
      '"UNTERMINATED,1,2025-01-01',
      toCsv([row({ declaration_id: 'OK3' })]).split('\n')[1],
    ];
    const file = write('d.csv', Buffer.concat([
      Buffer.from(`${lines.join('\n')}\n`),
      Buffer.from(toCsv([row({ declaration_id: 'UTF', trader_name: 'X' })]).split('\n')[1]!.replace(',X,', ',\u0001,')),
    ]));
    // Put a real invalid byte in the last row's trader_name.
    const bytes = readFileSync(file);
    bytes[bytes.indexOf(1)] = 0xff;
    writeFileSync(file, bytes);

    const s = await ingest([file]);
    expect(s.read).toBe(s.accepted + s.rejected);
    expect(s).toMatchObject({ read: 12, accepted: 3, rejected: 9 });
    const byId = Object.fromEntries(rejects().map((r) => [r.declaration_id || r.line, r]));
    expect(byId.BADDATE).toMatchObject({ line: '3', field: 'lodged_at' });
    expect(byId.NEG).toMatchObject({ field: 'declared_value', reason: 'declared_value is negative' });
    expect(byId.HS).toMatchObject({ field: 'hs_code' });
    expect(byId.NOTRADER).toMatchObject({ field: 'trader_id', reason: 'trader_id is required' });
    expect(byId.BIG).toMatchObject({ field: 'goods_description', reason: 'field over 64 KiB' });
    expect(byId.OUTCOME).toMatchObject({ field: 'outcome' });
    expect(byId['9']).toMatchObject({ reason: `expected ${DECLARATION_FIELDS.length} fields, got 3` });
    expect(byId['11']).toMatchObject({ reason: 'unterminated quoted field' });
    expect(byId.UTF).toMatchObject({ field: 'trader_name', reason: 'not valid UTF-8' });
    expect(byId.NEG?.raw).toContain('NEG');
    expect((await store.counts()).declarations).toBe(3);
  });

  it('the validator never throws on arbitrary rows', () => {
    const validate = makeValidator({ defaultCurrency: 'MAD' });
    const value = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string()), fc.object());
    fc.assert(fc.property(fc.array(value, { minLength: 0, maxLength: DECLARATION_FIELDS.length + 2 }), (values) => {
      const r = validate(values);
      if (!r.ok) expect(r.reason.length).toBeGreaterThan(0);
    }), { numRuns: 1000 });
    fc.assert(fc.property(fc.dictionary(fc.constantFrom(...DECLARATION_FIELDS), value), (obj) => {
      validateObject(validate, obj);
    }), { numRuns: 1000 });
  });
});

describe('files that cannot be ingested at all stop before anything is written', () => {
  it.each([
    ['empty', '', 'is empty'],
    ['blank', '\n\n  \n', 'is empty'],
    ['binary', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x01]), 'binary'],
    ['latin1', Buffer.from('declaration_id,trader_name\nD1,Soci\xe9t\xe9\n', 'latin1'), 'not UTF-8'],
    ['missing columns', 'declaration_id,trader_id\nD1,T1\n', 'missing required column(s): lodged_at, origin_country, hs_code, declared_value'],
  ])('%s', async (_name, content, message) => {
    const file = write('bad.csv', content);
    await expect(planIngest([file])).rejects.toThrow(FatalInputError);
    await expect(planIngest([file])).rejects.toThrow(message);
  });

  it('a missing file is named', async () => {
    await expect(planIngest([join(tmp.dir, 'nope.csv')])).rejects.toThrow(/nope\.csv: cannot be read \(ENOENT\)/);
  });
});

describe('watchlist', () => {
  it('matches entries after the same normalization as ingest, and rejects bad lines', async () => {
    await ingest([write('d.csv', toCsv([row({ trader_id: 'ICE 001', trader_phone: '0661234567', trader_bank_account: 'MA64 0117 8000' })]))]);
    const wl = write('wl.csv', [
      'kind,key,reason,source,severity,listed_at',
      'phone,+212 661-234567,seen in a seizure,intel,high,2025-01-01',
      'bank_account,ma64-0117-8000,mule account,FIU,0.7,2025-01-02',
      'Trader,ice-001,tip,hotline,low,',
      'spaceship,x,?,?,1,2025-01-01',
      'phone,,empty,?,1,2025-01-01',
      'phone,0522000000,x,y,7,2025-01-01',
    ].join('\n'));
    const w = new RejectsWriter(join(tmp.dir, 'wl-rejects.csv'));
    const s = await importWatchlist(store, wl, w, { phoneRegion: 'MA', today: '2025-06-01' });
    await w.close();
    expect(s).toEqual({ read: 6, accepted: 3, rejected: 3 });
    const hits = await store.watchlistHits();
    expect(hits.map((h) => h.entity.kind).sort()).toEqual(['BankAccount', 'Phone', 'Trader']);
    expect(hits.find((h) => h.entity.kind === 'Trader')?.entry).toMatchObject({ severity: 0.3, listedAt: '2025-06-01' });
    const bad = parse(readFileSync(join(tmp.dir, 'wl-rejects.csv')), { columns: true }) as Array<Record<string, string>>;
    expect(bad.map((r) => r.field)).toEqual(['kind', 'key', 'severity']);
  });
});

describe('data quality at ingest', () => {
  it('counts every field filled, zero amounts and replaced rows, by month of lodging, and adds loads up', async () => {
    const first = write('q1.csv', toCsv([
      row({ declaration_id: 'Q1', lodged_at: '2025-01-05', trader_phone: '0661234567', gross_weight_kg: '0', aeo: 'yes' }),
      row({ declaration_id: 'Q2', lodged_at: '2025-01-20', outcome: 'clear' }),
      row({ declaration_id: 'Q3', lodged_at: '2025-02-03', trader_phone: '0661234568', aeo: 'n' }),
      row({ declaration_id: 'Q4', lodged_at: '2025-02-04', aeo: 'maybe' }), // rejected: not counted
    ]));
    const s = await ingest([first]);
    expect(s).toMatchObject({ read: 4, accepted: 3, rejected: 1 });
    expect(s.quality.rows).toBe(3);
    expect(s.quality.fill.trader_phone).toBeCloseTo(2 / 3, 4);
    expect(s.quality.fill.aeo).toBeCloseTo(2 / 3, 4);
    expect(s.quality.fill.outcome).toBeCloseTo(1 / 3, 4); // only a recorded control result counts
    expect(s.quality.zero).toEqual({ declared_value: 0, quantity: 0, gross_weight_kg: 1 });
    expect(rejects()[0]).toMatchObject({ field: 'aeo' });
    // A second load replaces Q2 with other content, sends Q3 again unchanged and adds a March row.
    const again = await ingest([write('q2.csv', toCsv([row({ declaration_id: 'Q2', lodged_at: '2025-01-20', declared_value: '2000' }),
      row({ declaration_id: 'Q3', lodged_at: '2025-02-03', trader_phone: '0661234568', aeo: 'n' }), row({ declaration_id: 'Q5', lodged_at: '2025-03-01' })]))]);
    expect(again.quality.duplicates).toBe(1);
    const counts = new Map((await store.qualityCounts()).map((c) => [`${c.month} ${c.measure}`, c.n]));
    expect(counts.get('2025-01 rows')).toBe(3);
    expect(counts.get('2025-01 replaced')).toBe(1);
    expect(counts.get('2025-01 filled:trader_phone')).toBe(1);
    expect(counts.get('2025-01 zero:gross_weight_kg')).toBe(1);
    expect(counts.get('2025-02 rows')).toBe(2);
    expect(counts.get('2025-02 duplicate')).toBe(1);
    expect(counts.get('2025-03 rows')).toBe(1);
    expect(counts.get('2025-02 filled:aeo')).toBe(2);
    expect((await store.getDeclaration('Q1/1'))?.aeo).toBe(true);
    expect((await store.getDeclaration('Q3/1'))?.aeo).toBe(false);
  });
});
