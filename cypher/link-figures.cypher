MATCH (a) WHERE elementId(a) = $a AND a:Entity
MATCH (b) WHERE elementId(b) = $b AND b:Entity
MATCH (a)<-[:FILED_BY|CONSIGNED_TO|SUPPLIED_BY|DECLARED_BY|CARRIED_BY|ROUTED_VIA|ON_VESSEL]-(d:Declaration)-[:FILED_BY|CONSIGNED_TO|SUPPLIED_BY|DECLARED_BY|CARRIED_BY|ROUTED_VIA|ON_VESSEL]->(b)
WITH DISTINCT d
RETURN d.currency AS currency, count(d) AS n, min(d.lodged_at) AS first, max(d.lodged_at) AS last, sum(d.declared_value) AS total
ORDER BY currency
