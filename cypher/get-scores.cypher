UNWIND $ids AS id
MATCH (s:Score {run_id: $runId, entity_id: id})
RETURN properties(s) AS score
