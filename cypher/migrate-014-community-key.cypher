CREATE INDEX community_run_community IF NOT EXISTS FOR (c:Community) ON (c.run_id, c.community)
