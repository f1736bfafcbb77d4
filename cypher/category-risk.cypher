MATCH (c:CategoryRisk {run_id: $runId}) RETURN c.field AS field, c.value AS value, c.n AS n, c.bad AS bad
