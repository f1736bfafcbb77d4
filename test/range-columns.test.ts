import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { queryColumns, rangeColumns } from '../src/store/sqlite/range-columns';

/** Every value a row read would give, read back through the JSON columns. */
describe('range columns', () => {
  const reals = [1 / 3, 0.1 + 0.2, 5e-324, 1.7976931348623157e308, -2.5e-7, 123456789.12345679, 1e21, 4503599627370497, Math.PI * 1e-300];
  const texts = ['plain', 'quote " and \\ backslash', 'line\nbreak\ttab', 'é 中文 🚢', '', 'null'];

  it('gives every value exactly as a row read does, in id order, across ranges and gaps', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, x REAL, s TEXT)');
    const insert = db.prepare('INSERT INTO t (id, n, x, s) VALUES (?, ?, ?, ?)');
    for (let i = 0; i < 100; i++) {
      // Ids with gaps, a null now and then; random doubles of every magnitude besides the listed ones.
      const x = i < reals.length ? reals[i]! : (Math.random() - 0.5) * 10 ** Math.floor(Math.random() * 40 - 20);
      insert.run(3 + i * 2 + (i > 50 ? 40 : 0), i % 7 === 0 ? null : i * 1_000_003, x, i % 11 === 0 ? null : texts[i % texts.length]!);
    }
    db.exec('DELETE FROM t WHERE id % 5 = 0');
    const rows = db.prepare('SELECT id, n, x, s FROM t ORDER BY id').raw(true).all() as unknown[][];
    const got: unknown[][] = [];
    let ranges = 0;
    for (const { ids, columns } of rangeColumns(db, 't', ['n', 'x', 's'], 9)) {
      ranges++;
      ids.forEach((id, i) => got.push([id, columns[0]![i], columns[1]![i], columns[2]![i]]));
    }
    expect(got).toEqual(rows);
    got.forEach((r, i) => expect(Object.is(r[2], rows[i]![2])).toBe(true));
    expect(ranges).toBeGreaterThan(10);
    expect(queryColumns(db, 'SELECT x, s FROM t WHERE n IS NOT NULL ORDER BY id', ['x', 's'])).toEqual([
      rows.filter((r) => r[1] !== null).map((r) => r[2]), rows.filter((r) => r[1] !== null).map((r) => r[3]),
    ]);
  });

  it('puts a range back in id order when the table does not give it so', () => {
    const db = new Database(':memory:');
    // Rows stored in k order, ids shuffled and not indexed: a range comes back in k order.
    db.exec('CREATE TABLE t (k INTEGER PRIMARY KEY, id INTEGER NOT NULL, x REAL)');
    const ids = Array.from({ length: 60 }, (_, i) => i + 1).sort((a, b) => ((a * 37) % 61) - ((b * 37) % 61));
    ids.forEach((id, k) => db.prepare('INSERT INTO t (k, id, x) VALUES (?, ?, ?)').run(k, id, id / 7));
    const got: Array<[number, unknown]> = [];
    for (const r of rangeColumns(db, 't', ['x'], 25)) r.ids.forEach((id, i) => got.push([id, r.columns[0]![i]]));
    expect(got).toEqual(Array.from({ length: 60 }, (_, i) => [i + 1, (i + 1) / 7]));
  });
});
