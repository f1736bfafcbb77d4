UNWIND $rows AS row
MATCH (d:Declaration {declaration_id: row.declaration_id, item_no: row.item_no})
SET d.outcome = row.outcome, d.fraud_type = row.fraudType, d.recovered_amount = row.recoveredAmount
RETURN row.key AS key
