MATCH (e:Entity) WHERE e.kind IN $kinds
RETURN elementId(e) AS id, e.kind AS kind, e.key AS key, e.name AS name
