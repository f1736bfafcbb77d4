MATCH (a:Alert {id: $id})
RETURN a.id AS id, a.key AS key, a.state AS state, a.version AS version, a.doc AS doc
