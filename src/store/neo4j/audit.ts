/** The audit log of the Neo4j adapter: AuditRecord nodes whose ids sort by time. */
import neo4j from 'neo4j-driver';
import { randomUUID } from 'node:crypto';
import type { AuditLog, AuditRecord } from '../audit-log';
import type { Neo4jSession, Row } from './session';

export class Neo4jAuditLog implements AuditLog {
  constructor(private readonly s: Neo4jSession) {}

  private lastMs = 0;
  private sameMs = 0;

  async appendAudit(r: AuditRecord): Promise<void> {
    // Ids sort by time: the timestamp, a counter for this process's records of the same
    // millisecond (so they list in the order they were written), and a random suffix that keeps
    // two servers' records apart.
    const ms = Date.now();
    this.sameMs = ms === this.lastMs ? this.sameMs + 1 : 0;
    this.lastMs = ms;
    const id = `${ms.toString().padStart(15, '0')}-${this.sameMs.toString().padStart(6, '0')}-${randomUUID().slice(0, 8)}`;
    await this.s.write([['append-audit', { id, at: r.at, who: r.who, role: r.role, operation: r.operation, entityIds: r.entityIds, requestId: r.requestId }]]);
  }

  async listAudit(opts: { limit: number; before?: string }): Promise<AuditRecord[]> {
    return (await this.s.read('list-audit', { before: opts.before ?? null, limit: neo4j.int(opts.limit) })).map((r) => {
      const p = r.record as Row;
      return { id: String(p.id), at: String(p.at), who: String(p.who), role: String(p.role), operation: String(p.operation), entityIds: (p.entity_ids as string[]) ?? [], requestId: String(p.request_id) };
    });
  }
}
