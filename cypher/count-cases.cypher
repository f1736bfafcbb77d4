MATCH (c:Case) WHERE $status IS NULL OR c.status = $status
RETURN count(c) AS n
