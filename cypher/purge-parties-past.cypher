// Of the given parties, those not pseudonymized yet none of whose declarations is as recent as the cutoff.
UNWIND $ids AS id
MATCH (e:Entity) WHERE elementId(e) = id
WITH e WHERE NOT e.key STARTS WITH $prefix
CALL (e) {
  MATCH (d:Declaration)-->(e)
  RETURN max(d.lodged_at) AS last
}
WITH e, last WHERE last IS NOT NULL AND last < $cutoff
RETURN elementId(e) AS id, e.kind AS kind, e.key AS key
