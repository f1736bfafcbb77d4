CREATE INDEX score_run_risk IF NOT EXISTS FOR (s:Score) ON (s.run_id, s.risk)
