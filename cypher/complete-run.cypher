MATCH (r:AnalysisRun {id: $id})
SET r.status = 'done', r.finished_at = $finishedAt, r.timings = $timings, r.modularity = $modularity, r.counts = $counts, r.params = $params,
  r.model = $model
// The card on a node of its own: listing runs does not carry it.
FOREACH (_ IN CASE WHEN $card IS NULL THEN [] ELSE [1] END |
  MERGE (k:RunCard {run_id: $id})
  SET k.card = $card)
MERGE (c:CurrentRun {singleton: 1})
SET c.run_id = $id
