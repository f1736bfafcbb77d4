MATCH (r:AnalysisRun {id: $id})
SET r.status = 'done', r.finished_at = $finishedAt, r.timings = $timings, r.modularity = $modularity, r.counts = $counts, r.params = $params,
  r.model = $model
// The card on a node of its own: listing runs does not carry it.
FOREACH (_ IN CASE WHEN $card IS NULL THEN [] ELSE [1] END |
  MERGE (k:RunCard {run_id: $id})
  SET k.card = $card)
// The current run's node locked before it is read: of two runs completing at once, the one begun
// later (ids sort by start) stays current whichever completes last.
MERGE (c:CurrentRun {singleton: 1})
SET c.locked_at = $finishedAt
WITH c, c.run_id IS NULL OR c.run_id < $id AS newer
SET c.run_id = CASE WHEN newer THEN $id ELSE c.run_id END
RETURN newer AS current
