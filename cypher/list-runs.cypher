MATCH (r:AnalysisRun) RETURN properties(r) AS run ORDER BY r.started_at DESC LIMIT $limit
