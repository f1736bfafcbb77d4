MATCH (c:Community {run_id: $runId})
RETURN properties(c) AS community ORDER BY c.rank SKIP $offset LIMIT $limit
