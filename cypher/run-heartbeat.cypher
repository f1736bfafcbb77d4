MATCH (r:AnalysisRun {id: $id})
WHERE r.status = 'running'
SET r.heartbeat_at = $at
