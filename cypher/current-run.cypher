MATCH (c:CurrentRun {singleton: 1})
MATCH (r:AnalysisRun {id: c.run_id})
RETURN properties(r) AS run
