UNWIND $ids AS id
MATCH (n) WHERE elementId(n) = id
CALL (n) {
  MATCH (n)-[r]->(m) RETURN r, m LIMIT $limit
  UNION
  MATCH (n)<-[r]-(m) RETURN r, m LIMIT $limit
}
RETURN id AS node, elementId(startNode(r)) AS source, elementId(endNode(r)) AS target, type(r) AS type,
  elementId(m) AS otherId, m.kind AS otherKind, m.key AS otherKey, coalesce(m.name, m.declaration_id) AS otherName
