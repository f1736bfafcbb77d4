/** Investigation cases in the embedded store: one row each, the case whole as JSON beside its searchable columns. */
import type Database from 'better-sqlite3';
import type { CaseStatus, InvestigationCase } from '../../domain/cases';
import { caseDocument as docOf, caseFromDocument, type CaseStore } from '../case-store';
import { rowIdCursor } from './rows';

const caseFromRow = (r: { id: number; version: number; doc: string }) => caseFromDocument(String(r.id), r.version, r.doc);

export class SqliteCaseStore implements CaseStore {
  constructor(private readonly db: Database.Database) {}

  async createCase(c: Omit<InvestigationCase, 'id'>): Promise<InvestigationCase> {
    const r = this.db.prepare('INSERT INTO cases (title, status, created_at, created_by, updated_at, version, doc) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(c.title, c.status, c.createdAt, c.createdBy, c.updatedAt, c.version, docOf(c));
    return { ...c, id: String(r.lastInsertRowid) };
  }

  async getCase(id: string): Promise<InvestigationCase | null> {
    if (!/^\d{1,15}$/.test(id)) return null;
    const r = this.db.prepare('SELECT id, version, doc FROM cases WHERE id = ?').get(Number(id)) as { id: number; version: number; doc: string } | undefined;
    return r ? caseFromRow(r) : null;
  }

  async listCases(opts: { status?: CaseStatus; limit: number; before?: string }): Promise<InvestigationCase[]> {
    const before = opts.before === undefined ? Number.MAX_SAFE_INTEGER : rowIdCursor(opts.before);
    const rows = this.db.prepare(`SELECT id, version, doc FROM cases WHERE id < ? ${opts.status ? 'AND status = ?' : ''} ORDER BY id DESC LIMIT ?`)
      .all(...[before, ...(opts.status ? [opts.status] : []), opts.limit]) as Array<{ id: number; version: number; doc: string }>;
    return rows.map(caseFromRow);
  }

  async countCases(opts: { status?: CaseStatus }): Promise<number> {
    const sql = `SELECT COUNT(*) AS n FROM cases ${opts.status ? 'WHERE status = ?' : ''}`;
    return (this.db.prepare(sql).get(...(opts.status ? [opts.status] : [])) as { n: number }).n;
  }

  async saveCase(c: InvestigationCase, expectedVersion: number): Promise<boolean> {
    const r = this.db.prepare('UPDATE cases SET title = ?, status = ?, updated_at = ?, version = ?, doc = ? WHERE id = ? AND version = ?')
      .run(c.title, c.status, c.updatedAt, expectedVersion + 1, docOf(c), Number(c.id), expectedVersion);
    return r.changes === 1;
  }
}
