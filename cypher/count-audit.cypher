MATCH (a:AuditRecord) RETURN count(a) AS n
