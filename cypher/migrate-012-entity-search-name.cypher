CREATE INDEX entity_search_name IF NOT EXISTS FOR (e:Entity) ON (e.search_name)
