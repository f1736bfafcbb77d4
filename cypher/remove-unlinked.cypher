UNWIND $rows AS row
MATCH (e:Entity {kind: row.kind, key: row.key})
WHERE e.kind IN $kinds AND NOT (e)--()
DELETE e
RETURN count(e) AS removed
