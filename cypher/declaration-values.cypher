MATCH (d:Declaration)
RETURN d.hs_code AS hsCode, d.currency AS currency, d.declared_value AS value, d.quantity AS quantity, d.gross_weight_kg AS weight, d.lodged_at AS lodgedAt
