MATCH (d:Declaration)-[:FILED_BY|CONSIGNED_TO|SUPPLIED_BY|DECLARED_BY|CARRIED_BY|ROUTED_VIA]->(e:Entity)
RETURN elementId(e) AS id, e.kind AS kind, count(d) AS n, sum(d.declared_value) AS value,
  sum(CASE d.outcome WHEN 'seizure' THEN 1 ELSE 0 END) AS seizures, sum(CASE d.outcome WHEN 'discrepancy' THEN 1 ELSE 0 END) AS discrepancies,
  min(d.lodged_at) AS first, max(d.lodged_at) AS last
