// The purge's next declarations, oldest first, with their party ids and the parties they name.
MATCH (d:Declaration) WHERE d.lodged_at < $cutoff AND coalesce(d.purged, false) = false
WITH d ORDER BY d.lodged_at LIMIT $limit
OPTIONAL MATCH (d)-->(p:Entity) WHERE p.kind IN $partyKinds
RETURN elementId(d) AS id, [f IN $idFields | d[f]] AS partyIds, collect(DISTINCT elementId(p)) AS parties
