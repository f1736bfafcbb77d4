MATCH (r:AnalysisRun {id: $id})
SET r.status = 'done', r.finished_at = $finishedAt, r.timings = $timings, r.modularity = $modularity, r.counts = $counts, r.params = $params,
  r.model = $model
MERGE (c:CurrentRun {singleton: 1})
SET c.run_id = $id
