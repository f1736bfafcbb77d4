UNWIND $rows AS row
MERGE (c:Community {run_id: $runId, community: row.community})
SET c += row
