OPTIONAL MATCH (cursor:Declaration) WHERE elementId(cursor) = $after
WITH cursor.seq AS beforeSeq, elementId(cursor) AS beforeId
// Newest first by load order; two writers' loads can share a seq, so the element id breaks ties
// and the cursor carries both (a tie is never skipped).
MATCH (d:Declaration)-[]->(e) WHERE elementId(e) = $id
  AND (beforeSeq IS NULL OR d.seq < beforeSeq OR (d.seq = beforeSeq AND elementId(d) < beforeId))
RETURN elementId(d) AS id, properties(d) AS props
ORDER BY d.seq DESC, id DESC LIMIT $limit
