MATCH (a:Alert)
WHERE a.id > coalesce($after, '')
RETURN a.id AS id, a.key AS key, a.state AS state, a.version AS version, a.doc AS doc
ORDER BY a.id
LIMIT $limit
