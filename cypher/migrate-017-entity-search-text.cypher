CREATE TEXT INDEX entity_search_name_text IF NOT EXISTS FOR (e:Entity) ON (e.search_name)
