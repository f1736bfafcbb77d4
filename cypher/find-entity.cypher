MATCH (e:Entity {kind: $kind, key: $key})
RETURN elementId(e) AS id, e.kind AS kind, e.key AS key, e.name AS name
