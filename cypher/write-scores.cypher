UNWIND $rows AS row
MERGE (s:Score {run_id: $runId, entity_id: row.entityId})
SET s += row
