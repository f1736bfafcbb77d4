UNWIND $rows AS row
MERGE (w:WatchlistEntry {kind: row.kind, key: row.key})
SET w.reason = row.reason, w.source = row.source, w.severity = row.severity, w.listed_at = row.listedAt
