MATCH (w:WatchlistEntry {kind: $kind, key: $key})
DELETE w
RETURN count(*) AS removed
