CREATE INDEX community_run_rank IF NOT EXISTS FOR (c:Community) ON (c.run_id, c.rank)
