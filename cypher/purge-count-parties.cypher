// Parties (not pseudonyms yet) none of whose declarations is as recent as the cutoff.
MATCH (e:Entity) WHERE e.kind IN $partyKinds AND NOT e.key STARTS WITH $prefix
CALL (e) {
  MATCH (d:Declaration)-->(e)
  RETURN max(d.lodged_at) AS last
}
WITH e, last WHERE last IS NOT NULL AND last < $cutoff
RETURN count(e) AS n
