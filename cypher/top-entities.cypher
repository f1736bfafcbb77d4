MATCH (s:Score {run_id: $runId}) WHERE $kind IS NULL OR s.kind = $kind
RETURN properties(s) AS score ORDER BY s.risk DESC, s.entity_id LIMIT $limit
