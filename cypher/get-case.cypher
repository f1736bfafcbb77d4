MATCH (c:Case {id: $id})
RETURN c.id AS id, c.version AS version, c.doc AS doc
