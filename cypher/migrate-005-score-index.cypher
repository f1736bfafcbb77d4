CREATE INDEX score_run_kind_risk IF NOT EXISTS FOR (s:Score) ON (s.run_id, s.kind, s.risk)
