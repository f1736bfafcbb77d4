MATCH (c:CategoryRisk) WHERE c.run_id = $runId
WITH c LIMIT $limit
DETACH DELETE c
RETURN count(*) AS deleted
