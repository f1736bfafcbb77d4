OPTIONAL MATCH (cursor:Declaration) WHERE elementId(cursor) = $after
WITH coalesce(cursor.seq, 9223372036854775807) AS before
MATCH (d:Declaration)-[]->(e) WHERE elementId(e) = $id AND d.seq < before
RETURN elementId(d) AS id, properties(d) AS props
ORDER BY d.seq DESC LIMIT $limit
