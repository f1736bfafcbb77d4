UNWIND $rows AS row
MATCH (a:Entity {kind: row.fromKind, key: row.fromKey})-[r]->(b:Entity {kind: row.toKind, key: row.toKey})
WHERE type(r) = row.type
DELETE r
RETURN count(r) AS removed
