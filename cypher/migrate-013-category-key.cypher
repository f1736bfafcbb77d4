CREATE INDEX category_run_field_value IF NOT EXISTS FOR (c:CategoryRisk) ON (c.run_id, c.field, c.value)
