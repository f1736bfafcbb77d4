// A party kept as a pseudonym loses its identifier and director links; an identifier or director
// that nobody names any more is removed.
UNWIND $rows AS row
MATCH (e:Entity) WHERE elementId(e) = row.id
WITH e, row WHERE NOT e.key STARTS WITH $prefix
SET e.key = row.pseudonym, e.name = '', e.search_name = ''
WITH e
CALL (e) {
  OPTIONAL MATCH (e)-[r]-(i:Entity)
  WHERE (type(r) IN $linkTypes AND startNode(r) = e) OR (type(r) = 'DIRECTS' AND endNode(r) = e)
  DELETE r
  WITH DISTINCT i WHERE i IS NOT NULL AND i.kind IN $identifierKinds AND NOT EXISTS { (i)--() }
  WITH collect(i) AS gone
  FOREACH (x IN gone | DETACH DELETE x)
  RETURN size(gone) AS removed
}
RETURN count(e) AS parties, sum(removed) AS identifiers
