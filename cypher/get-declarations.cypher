UNWIND $ids AS id
MATCH (d) WHERE elementId(d) = id AND d:Declaration
// Its parties, route and vessel: the declaration relationships (containers are not parties).
OPTIONAL MATCH (d)-[r:FILED_BY|CONSIGNED_TO|SUPPLIED_BY|DECLARED_BY|CARRIED_BY|ROUTED_VIA|ON_VESSEL]->(e:Entity)
RETURN elementId(d) AS id, properties(d) AS props,
  collect(CASE WHEN e IS NULL THEN null ELSE {rel: type(r), id: elementId(e)} END) AS parties
