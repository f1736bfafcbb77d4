import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { RowAppender, ROWS_PER_STATEMENT as PER } from '../src/store/sqlite/row-appender';

describe('row appender', () => {
  const table = () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (k INTEGER PRIMARY KEY, s TEXT, x REAL)');
    return db;
  };
  const rows = (n: number) => Array.from({ length: n }, (_, k) => [k + 1, k % 3 === 0 ? null : `row ${k}`, k / 7]);

  // Fewer rows than one statement takes, exactly a statement's, and several statements' with a remainder.
  it.each([0, 1, PER - 1, PER, PER + 1, 25 * PER, 25 * PER + 3])('inserts %i rows whole and in order, the last ones when flushed', (n) => {
    const db = table();
    const out = new RowAppender(db, 'INSERT INTO t (k, s, x)', 3);
    const expected = rows(n);
    db.transaction(() => {
      for (const r of expected) out.row(...r);
      out.flush();
    })();
    expect(db.prepare('SELECT k, s, x FROM t ORDER BY rowid').raw(true).all()).toEqual(expected);
    // Flushed, nothing is pending: a second flush adds nothing.
    out.flush();
    expect(db.prepare('SELECT COUNT(*) FROM t').pluck().get()).toBe(n);
  });

  it('holds back rows short of a statement until flushed', () => {
    const db = table();
    const out = new RowAppender(db, 'INSERT INTO t (k, s, x)', 3);
    for (const r of rows(PER + 5)) out.row(...r);
    expect(db.prepare('SELECT COUNT(*) FROM t').pluck().get()).toBe(PER);
    out.flush();
    expect(db.prepare('SELECT COUNT(*) FROM t').pluck().get()).toBe(PER + 5);
  });

  it('refuses a row of the wrong width', () => {
    const out = new RowAppender(table(), 'INSERT INTO t (k, s, x)', 3);
    expect(() => out.row(1, 'two')).toThrow(/2 values where the statement takes 3/);
  });
});
