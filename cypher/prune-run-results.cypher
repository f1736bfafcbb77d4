MATCH (n)
WHERE (n:Score OR n:Community OR n:CategoryRisk) AND n.run_id = $runId
WITH n LIMIT $limit
DETACH DELETE n
RETURN count(*) AS deleted
