MATCH (c:Case)
WHERE c.id < coalesce($before, '~') AND ($status IS NULL OR c.status = $status)
RETURN c.id AS id, c.version AS version, c.doc AS doc
ORDER BY c.id DESC
LIMIT $limit
