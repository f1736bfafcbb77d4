CREATE (r:AnalysisRun {id: $id, started_at: $startedAt, status: 'running', seed: $seed, params: $params})
RETURN r.id AS id
