CREATE INDEX declaration_lodged_at IF NOT EXISTS FOR (d:Declaration) ON (d.lodged_at)
