CREATE INDEX audit_record_at IF NOT EXISTS FOR (a:AuditRecord) ON (a.at)
