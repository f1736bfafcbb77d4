/** The append-only record of who read which identities, when, and in which request. */
export interface AuditRecord {
  id?: string;
  at: string;
  who: string;
  role: string;
  operation: string;
  entityIds: string[];
  requestId: string;
}

export interface AuditLog {
  appendAudit(record: AuditRecord): Promise<void>;
  /** Newest first, before the given id. */
  listAudit(opts: { limit: number; before?: string }): Promise<AuditRecord[]>;
  /** How many records the log holds. */
  countAudit(): Promise<number>;
}
