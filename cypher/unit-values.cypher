MATCH (d:Declaration)
WITH d, CASE WHEN d.quantity IS NOT NULL THEN CASE WHEN d.quantity > 0 THEN d.declared_value / d.quantity END
  WHEN d.gross_weight_kg > 0 THEN d.declared_value / d.gross_weight_kg END AS u
WHERE u IS NOT NULL
RETURN d.hs_code + '|' + d.currency AS group, u AS unitValue
