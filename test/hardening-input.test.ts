/**
 * What a bad file can still do, through the real command: numbers and dates out of any real
 * range, control characters, over-long lines, an output path that cannot be written.
 */
import Database from 'better-sqlite3';
import { existsSync, readFileSync, statSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { makeValidator, validateObject } from '../src/domain/declaration';
import { stripControls } from '../src/domain/normalize';
import { boundedKey, keyFor } from '../src/domain/entities';
import { MAX_KEY_CHARS } from '../src/domain/fields';
import { printable, table } from '../src/cli/output';
import { batchOf, row, runCli, tempDir, toCsv } from './helpers';

const tmp = tempDir('cg-hostile-');
afterAll(() => tmp.cleanup());

function ingest(name: string, content: string | Buffer, extra: string[] = []) {
  const file = join(tmp.dir, name);
  writeFileSync(file, content);
  const db = join(tmp.dir, `${name}.db`);
  const rejects = join(tmp.dir, `${name}.rejects.csv`);
  const r = runCli(['ingest', file, '--db', db, '--rejects', rejects, '--json', ...extra]);
  const rejected = existsSync(rejects) ? (parse(readFileSync(rejects), { columns: true }) as Array<Record<string, string>>) : [];
  return { r, db, rejects, rejected, summary: r.status === 0 ? (JSON.parse(r.stdout) as { read: number; accepted: number; rejected: number }) : undefined };
}

describe('numbers and dates', () => {
  const validate = makeValidator({ defaultCurrency: 'MAD', now: Date.parse('2026-12-01') });
  const check = (overrides: Record<string, string>) => validateObject(validate, row(overrides));

  it('rejects amounts, quantities and item numbers no declaration has', () => {
    for (const v of ['1e308', '1.5e308', '1e16']) expect(check({ declared_value: v }), v).toMatchObject({ ok: false, field: 'declared_value' });
    expect(check({ recovered_amount: '1e309' })).toMatchObject({ ok: false, field: 'recovered_amount' });
    expect(check({ quantity: '1e13' })).toMatchObject({ ok: false, field: 'quantity' });
    for (const v of ['1e308', '9007199254740993', '0x10', '1.0', '0', '-1', '1000000']) expect(check({ item_no: v }), v).toMatchObject({ ok: false, field: 'item_no' });
    expect(check({ item_no: '12', declared_value: '999999999999' })).toMatchObject({ ok: true, value: { item_no: 12, declared_value: 999_999_999_999 } });
  });

  it('rejects dates that are not on the calendar or outside 1980 to a year from now', () => {
    for (const v of ['0000-01-01', '9999-12-31', '1979-12-31', '2028-01-01', '2025-02-30', '2025-13-01', '2025-99-99T garbage']) {
      expect(check({ lodged_at: v }), v).toMatchObject({ ok: false, field: 'lodged_at' });
    }
    for (const v of ['1980-01-01', '2024-02-29', '2027-11-30']) expect(check({ lodged_at: v }).ok, v).toBe(true);
  });

  it('loads none of them, and says why for each, line by line', () => {
    const rows = [
      row({ declaration_id: 'OK1' }), row({ declaration_id: 'BIG', declared_value: '1.5e308' }), row({ declaration_id: 'ITEM', item_no: '0x10' }),
      row({ declaration_id: 'OLD', lodged_at: '0000-01-01' }), row({ declaration_id: 'FEB', lodged_at: '2025-02-30' }),
    ];
    const { summary, rejected } = ingest('numbers.csv', toCsv(rows));
    expect(summary).toMatchObject({ read: 5, accepted: 1, rejected: 4 });
    expect(rejected.map((r) => [r.line, r.declaration_id, r.field])).toEqual([
      ['3', 'BIG', 'declared_value'], ['4', 'ITEM', 'item_no'], ['5', 'OLD', 'lodged_at'], ['6', 'FEB', 'lodged_at'],
    ]);
  });

  it('holds the watchlist and the outcomes files to the same ranges', () => {
    const wl = join(tmp.dir, 'wl.csv');
    writeFileSync(wl, 'kind,key,reason,source,severity,listed_at\nphone,0661000001,x,y,0.9,2025-02-30\nphone,0661000002,x,y,0.9,2025-03-01\n');
    const base = ingest('for-outcomes.csv', toCsv([row({ declaration_id: 'D9' })]));
    const outcomes = join(tmp.dir, 'outcomes.csv');
    writeFileSync(outcomes, 'declaration_id,item_no,outcome,fraud_type,recovered_amount\nD9,1,seizure,undervaluation,1e309\nD9,0x1,clear,,\nD9,1,seizure,undervaluation,5000\n');
    const r = runCli(['ingest', '--watchlist', wl, '--outcomes', outcomes, '--db', base.db, '--rejects', join(tmp.dir, 'side.csv'), '--json']);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { watchlist: { accepted: number; rejected: number }; outcomes: { accepted: number; rejected: number } };
    expect(report.watchlist).toMatchObject({ accepted: 1, rejected: 1 });
    expect(report.outcomes).toMatchObject({ accepted: 1, rejected: 2 });
    const wlRejects = parse(readFileSync(join(tmp.dir, 'side.watchlist.csv')), { columns: true }) as Array<Record<string, string>>;
    expect(wlRejects).toMatchObject([{ line: '2', field: 'listed_at' }]);
    const outRejects = parse(readFileSync(join(tmp.dir, 'side.outcomes.csv')), { columns: true }) as Array<Record<string, string>>;
    expect(outRejects.map((x) => x.field)).toEqual(['recovered_amount', 'item_no']);
  });
});

describe('control characters', () => {
  it('are stripped from what is stored, escape sequences whole, line breaks as one space', () => {
    expect(stripControls('\u001b[31mRED\u001b[0m Trading\r\nSARL\u0007')).toBe('RED Trading SARL');
    expect(stripControls('Étoile du Sud')).toBe('Étoile du Sud');
    const { summary, db } = ingest('ansi.csv', toCsv([row({ trader_name: '\u001b[2J\u001b[31mEvil\u001b[0m Import SARL\u0007' })]));
    expect(summary).toMatchObject({ accepted: 1 });
    const sql = new Database(db, { readonly: true });
    const names = sql.prepare("SELECT name FROM entities WHERE kind = 'Trader'").pluck().all() as string[];
    sql.close();
    expect(names).toEqual(['Evil Import SARL']);
  });

  it('are shown, never acted on, in what the command line prints', () => {
    expect(printable('a\u001b[31mb')).toBe('a\u241b[31mb');
    const t = table(['name'], [['x\u0007y\u001b']]);
    expect(t).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(t).toContain('x\\x07y\u241b');
  });
});

describe('long lines', () => {
  for (const format of ['csv', 'ndjson'] as const) {
    it(`a ${format} line of 24 MB is rejected by its start, the rest of the file is read, and rejects keep a few KiB of it`, () => {
      const file = join(tmp.dir, `long.${format}`);
      const fd = openSync(file, 'w');
      const good = row({ declaration_id: 'AFTER' });
      if (format === 'csv') writeSync(fd, toCsv([row({ declaration_id: 'BEFORE' })]));
      else writeSync(fd, `${JSON.stringify(row({ declaration_id: 'BEFORE' }))}\n`);
      const chunk = 'x'.repeat(1 << 20);
      for (let i = 0; i < 24; i++) writeSync(fd, chunk);
      writeSync(fd, '\n');
      if (format === 'csv') writeSync(fd, toCsv([good]).split('\n')[1]! + '\n');
      else writeSync(fd, `${JSON.stringify(good)}\n`);
      closeSync(fd);
      const db = join(tmp.dir, `long-${format}.db`);
      const rejects = join(tmp.dir, `long-${format}.rejects.csv`);
      const r = runCli(['ingest', file, '--db', db, '--rejects', rejects, '--json']);
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ read: 3, accepted: 2, rejected: 1 });
      const rejected = parse(readFileSync(rejects), { columns: true }) as Array<Record<string, string>>;
      expect(rejected).toHaveLength(1);
      expect(rejected[0]!.line).toBe(format === 'csv' ? '3' : '2');
      expect(rejected[0]!.reason).toMatch(/over 1 MiB/);
      expect(statSync(rejects).size).toBeLessThan(8 * 1024);
    });
  }
});

describe('long keys (a store indexes keys and names: Neo4j index entries hold about 8 KB)', () => {
  const validate = makeValidator({ defaultCurrency: 'MAD' });
  const resolve = (rows: Array<Record<string, string>>) => batchOf(rows).entities;

  it('reject a declaration id or a trader id over 1,000 characters, with the reason', () => {
    expect(validateObject(validate, row({ declaration_id: 'D'.repeat(1000) })).ok).toBe(true);
    expect(validateObject(validate, row({ declaration_id: 'D'.repeat(1001) }))).toMatchObject({ ok: false, field: 'declaration_id', reason: 'declaration_id over 1000 characters' });
    expect(validateObject(validate, row({ trader_id: '7'.repeat(1001) }))).toMatchObject({ ok: false, field: 'trader_id' });
  });

  it('bound a long address key with a hash of the whole: the same address meets itself, two that differ stay apart', () => {
    const long = `${'12 Boulevard Zerktouni '.repeat(2000)}`;
    const entities = resolve([
      row({ declaration_id: 'L1', trader_address: `${long}Casablanca` }),
      row({ declaration_id: 'L2', trader_id: 'T2', trader_address: `${long}Casablanca` }),
      row({ declaration_id: 'L3', trader_id: 'T3', trader_address: `${long}Rabat` }),
    ]);
    const addresses = entities.filter((e) => e.kind === 'Address');
    expect(addresses).toHaveLength(2);
    for (const a of addresses) {
      expect(a.key.length).toBeLessThanOrEqual(MAX_KEY_CHARS);
      expect(a.name.length).toBeLessThanOrEqual(MAX_KEY_CHARS);
    }
    expect(addresses.map((a) => a.key)).toContain(keyFor('Address', `${long}Casablanca`, { phoneRegion: 'MA' }));
    expect(boundedKey('short')).toBe('short');
  });
});

describe('outputs', () => {
  it('a rejects file that cannot be written stops the load before any row is read, naming the path', () => {
    const file = join(tmp.dir, 'fine.csv');
    writeFileSync(file, toCsv([row()]));
    const db = join(tmp.dir, 'never.db');
    const r = runCli(['ingest', file, '--db', db, '--rejects', '/missing/dir/r.csv']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot write the rejects file \/missing\/dir\/r\.csv: the folder \/missing\/dir does not exist/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(existsSync(db)).toBe(false);
  });
});
