UNWIND $rows AS row
MERGE (e:Entity {kind: row.kind, key: row.key})
  ON CREATE SET e.name = row.name, e.search_name = row.searchName
SET e:$(row.kind)
RETURN count(e) AS written
