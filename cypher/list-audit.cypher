MATCH (a:AuditRecord) WHERE a.id < coalesce($before, '~')
RETURN properties(a) AS record ORDER BY a.id DESC LIMIT $limit
