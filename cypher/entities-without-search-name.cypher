MATCH (e:Entity)
WHERE e.search_name IS NULL
RETURN elementId(e) AS id, e.name AS name
LIMIT $limit
