// Identifiers and directors every party naming them goes (is past the cutoff, or a pseudonym already).
MATCH (i:Entity)-[r]-(p:Entity)
WHERE i.kind IN $identifierKinds
  AND ((type(r) IN $linkTypes AND startNode(r) = p) OR (type(r) = 'DIRECTS' AND startNode(r) = i))
CALL (p) {
  OPTIONAL MATCH (d:Declaration)-->(p)
  RETURN max(d.lodged_at) AS last
}
WITH i, collect(p.kind IN $partyKinds AND last IS NOT NULL AND last < $cutoff) AS gone
WHERE all(g IN gone WHERE g)
RETURN count(i) AS n
