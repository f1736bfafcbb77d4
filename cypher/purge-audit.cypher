// A slice of the audit records older than the cutoff (the purge repeats it until none is left).
MATCH (a:AuditRecord) WHERE a.at < $cutoff
WITH a LIMIT $limit
WITH collect(a) AS old
FOREACH (x IN old | DETACH DELETE x)
RETURN size(old) AS n
