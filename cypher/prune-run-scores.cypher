MATCH (s:Score) WHERE s.run_id = $runId AND s.risk >= 0
WITH s LIMIT $limit
DETACH DELETE s
RETURN count(*) AS deleted
