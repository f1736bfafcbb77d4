MATCH (a:AuditRecord) WHERE $before IS NULL OR a.id < $before
RETURN properties(a) AS record ORDER BY a.id DESC LIMIT $limit
