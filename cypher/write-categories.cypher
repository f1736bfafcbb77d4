UNWIND $rows AS row
MERGE (c:CategoryRisk {run_id: $runId, field: row.field, value: row.value})
SET c.n = row.n, c.bad = row.bad
