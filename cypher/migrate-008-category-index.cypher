CREATE INDEX category_run IF NOT EXISTS FOR (c:CategoryRisk) ON (c.run_id)
