/**
 * A re-declared item takes its new parties, and what only its old version tied goes with it:
 * through the real command, on the store, and as analysis sees it.
 */
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { row, runCli, tempDir, toCsv } from './helpers';

const tmp = tempDir('cg-replace-');
afterAll(() => tmp.cleanup());

const SHARED = { trader_phone: '0661 23 45 67', trader_email: 'contact@lotus-trade.ma', trader_bank_account: 'MA64 0111 2222 3333 4444 5555 66', trader_address: '12 Bd Zerktouni Casablanca' };

function ingest(db: string, name: string, rows: Array<Record<string, string>>) {
  const file = join(tmp.dir, name);
  writeFileSync(file, toCsv(rows));
  const r = runCli(['ingest', file, '--db', db, '--rejects', join(tmp.dir, `${name}.rejects.csv`), '--json']);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { read: number; accepted: number; rejected: number; replacements: Record<string, any> };
}

function identifiersOf(db: string, trader: string): string[] {
  const sql = new Database(db, { readonly: true });
  try {
    return (sql.prepare(`SELECT e.type || ' ' || d.key FROM entities t JOIN edges e ON e.src = t.id JOIN entities d ON d.id = e.dst
      WHERE t.kind = 'Trader' AND t.key = ? ORDER BY 1`).pluck().all(trader) as string[]);
  } finally {
    sql.close();
  }
}

describe('a re-declared item', () => {
  it('given three times in one load: the last is kept, the two earlier are reported with their lines, and their traders keep nothing of it', () => {
    const db = join(tmp.dir, 'one-load.db');
    const summary = ingest(db, 'three.csv', [
      row({ declaration_id: 'D1', trader_id: 'TALPHA', trader_name: 'Alpha SARL', ...SHARED, trader_email: 'alpha-only@alpha.ma' }),
      row({ declaration_id: 'D1', trader_id: 'TBETA', trader_name: 'Beta SARL', ...SHARED }),
      row({ declaration_id: 'D1', trader_id: 'TLOTUS', trader_name: 'Lotus', ...SHARED }),
    ]);
    expect(summary).toMatchObject({ read: 3, accepted: 3, rejected: 0 });
    expect(summary.replacements).toMatchObject({ replaced: 2, conflicting: 2 });
    expect(summary.replacements.duplicates).toEqual([
      { key: 'D1/1', file: 'three.csv', line: 3, previousFile: 'three.csv', previousLine: 2 },
      { key: 'D1/1', file: 'three.csv', line: 4, previousFile: 'three.csv', previousLine: 3 },
    ]);
    expect(identifiersOf(db, 'TALPHA')).toEqual([]);
    expect(identifiersOf(db, 'TBETA')).toEqual([]);
    expect(identifiersOf(db, 'TLOTUS')).toHaveLength(4);
    const sql = new Database(db, { readonly: true });
    // Alpha's own e-mail was held by nothing else: it is gone, not left to be found.
    expect(sql.prepare("SELECT COUNT(*) FROM entities WHERE kind = 'Email' AND key = 'alpha-only@alpha.ma'").pluck().get()).toBe(0);
    expect(sql.prepare('SELECT COUNT(*) FROM declarations').pluck().get()).toBe(1);
    sql.close();
    const text = runCli(['ingest', join(tmp.dir, 'three.csv'), '--db', join(tmp.dir, 'again.db'), '--rejects', join(tmp.dir, 'again.csv')]);
    expect(text.stdout).toMatch(/2 declaration item\(s\) given twice in this load with different content \(the last one is kept\):\n\s+D1\/1: three\.csv line 3, replacing line 2/);

    // Analysis sees no ring among traders that share nothing any more.
    const a = runCli(['analyze', '--db', db, '--json']);
    expect(a.status, a.stderr).toBe(0);
    const scores = new Database(db, { readonly: true });
    const ringed = scores.prepare(`SELECT t.key FROM entity_scores s JOIN entities t ON t.id = s.entity_id
      WHERE s.signals LIKE '%shared_identifier_ring%'`).pluck().all() as string[];
    scores.close();
    expect(ringed).not.toContain('TALPHA');
    expect(ringed).not.toContain('TBETA');
  });

  it('in a later load: its old trader keeps what another of its declarations still declares, and no duplicate is reported', () => {
    const db = join(tmp.dir, 'two-loads.db');
    ingest(db, 'first.csv', [
      row({ declaration_id: 'D1', trader_id: 'TALPHA', ...SHARED }),
      row({ declaration_id: 'D2', trader_id: 'TALPHA', trader_phone: SHARED.trader_phone }),
    ]);
    const second = ingest(db, 'second.csv', [row({ declaration_id: 'D1', trader_id: 'TBETA', ...SHARED })]);
    expect(second.replacements).toMatchObject({ replaced: 1, conflicting: 0, duplicates: [] });
    expect(identifiersOf(db, 'TALPHA')).toEqual(['HAS_PHONE +212661234567']);
    expect(identifiersOf(db, 'TBETA')).toHaveLength(4);
  });

  it('loaded again unchanged: nothing is replaced', () => {
    const db = join(tmp.dir, 'same.db');
    const rows = [row({ declaration_id: 'D1', ...SHARED }), row({ declaration_id: 'D2' })];
    ingest(db, 'same.csv', rows);
    expect(ingest(db, 'same.csv', rows).replacements).toMatchObject({ replaced: 0, conflicting: 0, linksRemoved: 0 });
    expect(identifiersOf(db, 'T1')).toHaveLength(4);
  });
});
