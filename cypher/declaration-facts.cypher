// Ordered by the seq index (d.seq >= 0 lets the planner read it in order instead of sorting millions of rows).
MATCH (d:Declaration) WHERE d.seq >= 0
MATCH (d)-[:FILED_BY]->(t:Trader)
OPTIONAL MATCH (d)-[:CONSIGNED_TO]->(co:Consignee)
OPTIONAL MATCH (d)-[:SUPPLIED_BY]->(s:Supplier)
OPTIONAL MATCH (d)-[:DECLARED_BY]->(b:Broker)
OPTIONAL MATCH (d)-[:CARRIED_BY]->(ca:Carrier)
MATCH (d)-[:ROUTED_VIA]->(r:Route)
RETURN elementId(d) AS id, d.lodged_at AS lodgedAt, elementId(t) AS trader, elementId(co) AS consignee, elementId(s) AS supplier,
  elementId(b) AS broker, elementId(ca) AS carrier, elementId(r) AS route, d.hs_code AS hsCode, d.origin_country AS origin,
  d.goods_origin_country AS goodsOrigin, d.transit_ports AS transit, d.declared_value AS value, d.quantity AS quantity,
  d.gross_weight_kg AS weight, d.currency AS currency, d.outcome AS outcome, d.attrs AS attrs, d.office AS office, d.regime AS regime,
  d.aeo AS aeo, d.declaration_id AS declarationId,
  d.recovered_amount AS recovered
ORDER BY d.seq
