MATCH (c:Community {run_id: $runId, community: $community}) RETURN properties(c) AS community
