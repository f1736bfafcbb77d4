MATCH (c:CurrentRun {singleton: 1}) RETURN c.run_id AS id
