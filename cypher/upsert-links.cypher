UNWIND $rows AS row
MATCH (a:Entity {kind: row.fromKind, key: row.fromKey})
MATCH (b:Entity {kind: row.toKind, key: row.toKey})
MERGE (a)-[r:$(row.type)]->(b)
RETURN count(r) AS written
