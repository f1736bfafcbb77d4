UNWIND $rows AS row
MATCH (e:Entity) WHERE elementId(e) = row.id
SET e.search_name = row.searchName
