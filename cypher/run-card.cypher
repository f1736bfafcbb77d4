MATCH (k:RunCard {run_id: $id})
RETURN k.card AS card
