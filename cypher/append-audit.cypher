// MERGE on the id made once per record: a transaction retried after a lost acknowledgement
// finds the record it already wrote instead of writing it twice.
MERGE (a:AuditRecord {id: $id})
  ON CREATE SET a.at = $at, a.who = $who, a.role = $role, a.operation = $operation, a.entity_ids = $entityIds, a.request_id = $requestId,
    a.client_request_id = $clientRequestId, a.purpose = $purpose, a.detail = $detail
