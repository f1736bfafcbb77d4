MATCH (c:Community) WHERE c.run_id = $runId AND c.rank >= 0
WITH c LIMIT $limit
DETACH DELETE c
RETURN count(*) AS deleted
