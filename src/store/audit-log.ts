/** The append-only record of who read which identities, when, why, and in which request. */
export interface AuditRecord {
  id?: string;
  at: string;
  who: string;
  role: string;
  operation: string;
  entityIds: string[];
  /** The server's id of the request (its log line has it too). */
  requestId: string;
  /** The id the client gave the request (x-request-id), kept beside the server's. */
  clientRequestId?: string;
  /** Why the identities were read: a case (`case:ID`) or a reason, as the client said. */
  purpose?: string;
  /** What a change changed (a watchlist entry added or removed), in words. */
  detail?: string;
}

/** The optional fields of a stored record (snake_case columns or properties), present only when set. */
export function optionalAuditFields(r: Record<string, unknown>): Pick<AuditRecord, 'clientRequestId' | 'purpose' | 'detail'> {
  return {
    ...(r.client_request_id != null ? { clientRequestId: String(r.client_request_id) } : {}),
    ...(r.purpose != null ? { purpose: String(r.purpose) } : {}),
    ...(r.detail != null ? { detail: String(r.detail) } : {}),
  };
}

export interface AuditLog {
  appendAudit(record: AuditRecord): Promise<void>;
  /** Newest first, before the given id. */
  listAudit(opts: { limit: number; before?: string }): Promise<AuditRecord[]>;
  /** How many records the log holds. */
  countAudit(): Promise<number>;
}
