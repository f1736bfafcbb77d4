MATCH (c:Community {run_id: $runId}) WHERE c.rank >= 0
RETURN count(c) AS n
