MATCH (c:Community {run_id: $runId}) WHERE c.rank >= 0
RETURN properties(c) AS community ORDER BY c.rank SKIP $offset LIMIT $limit
