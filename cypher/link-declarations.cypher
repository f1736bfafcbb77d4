OPTIONAL MATCH (cursor) WHERE elementId(cursor) = $after AND cursor:Declaration
WITH cursor.seq AS beforeSeq, elementId(cursor) AS beforeId
MATCH (a) WHERE elementId(a) = $a AND a:Entity
MATCH (b) WHERE elementId(b) = $b AND b:Entity
// Newest first by load order, the element id breaking ties (as entity-declarations pages).
MATCH (a)<-[:FILED_BY|CONSIGNED_TO|SUPPLIED_BY|DECLARED_BY|CARRIED_BY|ROUTED_VIA|ON_VESSEL]-(d:Declaration)-[:FILED_BY|CONSIGNED_TO|SUPPLIED_BY|DECLARED_BY|CARRIED_BY|ROUTED_VIA|ON_VESSEL]->(b)
  WHERE beforeSeq IS NULL OR d.seq < beforeSeq OR (d.seq = beforeSeq AND elementId(d) < beforeId)
WITH DISTINCT d
RETURN elementId(d) AS id, properties(d) AS props
ORDER BY d.seq DESC, id DESC LIMIT $limit
