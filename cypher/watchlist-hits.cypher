MATCH (w:WatchlistEntry)
MATCH (e:Entity {kind: w.kind, key: w.key})
RETURN elementId(e) AS id, e.kind AS kind, e.key AS key, e.name AS name, w.reason AS reason, w.source AS source, w.severity AS severity, w.listed_at AS listedAt
