MATCH (r:AnalysisRun {id: $id})
SET r.status = 'failed', r.finished_at = $finishedAt, r.counts = $counts
