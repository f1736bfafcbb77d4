MATCH (r:AnalysisRun {id: $id})
SET r.status = 'pruned'
