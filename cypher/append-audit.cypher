CREATE (a:AuditRecord {id: $id, at: $at, who: $who, role: $role, operation: $operation, entity_ids: $entityIds, request_id: $requestId})
