MATCH (c:Case {id: $id})
WHERE c.version = $expected
SET c.title = $title, c.status = $status, c.updated_at = $updatedAt, c.version = $expected + 1, c.doc = $doc
RETURN count(c) AS saved
