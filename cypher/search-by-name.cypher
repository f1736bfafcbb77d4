MATCH (e:Entity)
WHERE e.search_name CONTAINS $text AND ($kinds IS NULL OR e.kind IN $kinds) AND elementId(e) > $after
RETURN elementId(e) AS id, e.kind AS kind, e.key AS key, e.name AS name
ORDER BY id LIMIT $limit
