MATCH (t:Trader)<-[:FILED_BY]-(d:Declaration)-[r:CONSIGNED_TO|SUPPLIED_BY|DECLARED_BY|CARRIED_BY|ROUTED_VIA]->(c:Entity)
RETURN elementId(t) AS source, elementId(c) AS target, c.kind AS targetKind, type(r) AS type, count(d) AS count, sum(d.declared_value) AS value
