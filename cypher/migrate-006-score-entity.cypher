CREATE INDEX score_run_entity IF NOT EXISTS FOR (s:Score) ON (s.run_id, s.entity_id)
