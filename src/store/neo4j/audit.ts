/** The audit log of the Neo4j adapter: AuditRecord nodes whose ids sort by time. */
import neo4j from 'neo4j-driver';
import { optionalAuditFields, type AuditLog, type AuditRecord } from '../audit-log';
import type { Neo4jSession, Row } from './session';
import { TimeSortedIds } from './time-sorted-ids';

export class Neo4jAuditLog implements AuditLog {
  constructor(private readonly s: Neo4jSession) {}

  private readonly ids = new TimeSortedIds();

  async appendAudit(r: AuditRecord): Promise<void> {
    const id = this.ids.next();
    await this.s.write([['append-audit', {
      id, at: r.at, who: r.who, role: r.role, operation: r.operation, entityIds: r.entityIds, requestId: r.requestId,
      clientRequestId: r.clientRequestId ?? null, purpose: r.purpose ?? null, detail: r.detail ?? null,
    }]]);
  }

  async countAudit(): Promise<number> {
    return Number((await this.s.read('count-audit'))[0]?.n ?? 0);
  }

  async listAudit(opts: { limit: number; before?: string }): Promise<AuditRecord[]> {
    return (await this.s.read('list-audit', { before: opts.before ?? null, limit: neo4j.int(opts.limit) })).map((r) => {
      const p = r.record as Row;
      return {
        id: String(p.id), at: String(p.at), who: String(p.who), role: String(p.role), operation: String(p.operation), entityIds: (p.entity_ids as string[]) ?? [],
        requestId: String(p.request_id), ...optionalAuditFields(p),
      };
    });
  }
}
