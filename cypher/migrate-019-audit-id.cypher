CREATE INDEX audit_id IF NOT EXISTS FOR (a:AuditRecord) ON (a.id)
