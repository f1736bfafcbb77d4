MATCH (e:Entity)
WHERE e.search_name CONTAINS $text AND ($kinds IS NULL OR e.kind IN $kinds)
RETURN count(e) AS n
