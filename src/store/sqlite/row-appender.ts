/**
 * Rows inserted many to a statement: binding a value costs the same either way, but each run of a
 * statement has its own cost, paid here once per ROWS_PER_STATEMENT rows (930k entity scores of
 * eleven columns: 1.4 s one row a statement, 0.8 s forty).
 */
import type Database from 'better-sqlite3';

export const ROWS_PER_STATEMENT = 40;

export class RowAppender {
  private readonly many: Database.Statement;
  private readonly one: Database.Statement;
  private readonly pending: unknown[];
  private filled = 0;

  /** `insert`: the statement up to VALUES (`INSERT INTO t (a, b)`); `width`: the values of a row. */
  constructor(db: Database.Database, insert: string, private readonly width: number) {
    const row = `(${new Array<string>(width).fill('?').join(', ')})`;
    this.many = db.prepare(`${insert} VALUES ${new Array<string>(ROWS_PER_STATEMENT).fill(row).join(', ')}`);
    this.one = db.prepare(`${insert} VALUES ${row}`);
    this.pending = new Array<unknown>(width * ROWS_PER_STATEMENT);
  }

  /** Adds a row: `width` values in column order. */
  row(...values: unknown[]): void {
    if (values.length !== this.width) throw new Error(`a row of ${values.length} values where the statement takes ${this.width}`);
    for (const v of values) this.pending[this.filled++] = v;
    if (this.filled === this.pending.length) {
      this.many.run(this.pending);
      this.filled = 0;
    }
  }

  /** Inserts the rows still pending (call it before the transaction they belong to commits). */
  flush(): void {
    for (let at = 0; at < this.filled; at += this.width) this.one.run(this.pending.slice(at, at + this.width));
    this.filled = 0;
  }
}
