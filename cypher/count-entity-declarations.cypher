MATCH (d:Declaration)-[]->(e) WHERE elementId(e) = $id
RETURN count(DISTINCT d) AS n
