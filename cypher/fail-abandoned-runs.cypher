MATCH (r:AnalysisRun {status: 'running'})
WHERE coalesce(r.heartbeat_at, r.started_at) < $before
SET r.status = 'failed', r.finished_at = $now,
  r.counts = '{"error":"abandoned: no heartbeat since ' + coalesce(r.heartbeat_at, r.started_at) + '"}'
RETURN r.id AS id
