/** The audit log of the embedded store: an append-only table (its triggers refuse updates and deletes). */
import type Database from 'better-sqlite3';
import { optionalAuditFields, type AuditLog, type AuditRecord } from '../audit-log';
import { rowIdCursor } from './rows';

export class SqliteAuditLog implements AuditLog {
  constructor(private readonly db: Database.Database) {}

  async appendAudit(r: AuditRecord): Promise<void> {
    this.db.prepare('INSERT INTO audit_log (at, who, role, operation, entity_ids, request_id, client_request_id, purpose, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(r.at, r.who, r.role, r.operation, JSON.stringify(r.entityIds), r.requestId, r.clientRequestId ?? null, r.purpose ?? null, r.detail ?? null);
  }

  async countAudit(): Promise<number> {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM audit_log').get() as { n: number }).n;
  }

  async listAudit(opts: { limit: number; before?: string }): Promise<AuditRecord[]> {
    const before = opts.before === undefined ? Number.MAX_SAFE_INTEGER : rowIdCursor(opts.before);
    const rows = this.db.prepare('SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?').all(before, opts.limit) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      id: String(r.id), at: r.at as string, who: r.who as string, role: r.role as string, operation: r.operation as string,
      entityIds: JSON.parse(r.entity_ids as string) as string[], requestId: r.request_id as string, ...optionalAuditFields(r),
    }));
  }
}
