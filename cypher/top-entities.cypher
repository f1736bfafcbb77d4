MATCH (s:Score {run_id: $runId, kind: $kind}) WHERE s.risk >= 0
RETURN properties(s) AS score ORDER BY s.risk DESC, s.entity_id LIMIT $limit
