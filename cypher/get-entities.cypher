UNWIND $ids AS id
MATCH (e) WHERE elementId(e) = id AND (e:Entity OR e:Declaration)
RETURN elementId(e) AS id, e.kind AS kind, e.key AS key, coalesce(e.name, e.declaration_id) AS name
