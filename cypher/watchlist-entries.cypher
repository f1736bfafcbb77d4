MATCH (w:WatchlistEntry)
RETURN w.kind AS kind, w.key AS key, w.reason AS reason, w.source AS source, w.severity AS severity, w.listed_at AS listedAt
