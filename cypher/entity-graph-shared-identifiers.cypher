MATCH (i:Entity)<-[:AT_ADDRESS|HAS_PHONE|HAS_EMAIL|HAS_ACCOUNT]-(:Entity)
WITH i, count(*) AS users WHERE users > 1
MATCH (p:Entity)-[r:AT_ADDRESS|HAS_PHONE|HAS_EMAIL|HAS_ACCOUNT]->(i)
RETURN elementId(p) AS source, p.kind AS sourceKind, elementId(i) AS target, i.kind AS targetKind, type(r) AS type
UNION ALL
MATCH (p:Person)-[:DIRECTS]->(:Trader)
WITH p, count(*) AS traders WHERE traders > 1
MATCH (p)-[r:DIRECTS]->(t:Trader)
RETURN elementId(p) AS source, 'Person' AS sourceKind, elementId(t) AS target, 'Trader' AS targetKind, type(r) AS type
