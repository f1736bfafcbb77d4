// Who a declaration names, removed: party ids become pseudonyms, the personal fields go.
UNWIND $rows AS row
MATCH (d:Declaration) WHERE elementId(d) = row.id AND coalesce(d.purged, false) = false
SET d += row.ids, d.purged = true
REMOVE d.trader_name, d.trader_address, d.trader_phone, d.trader_email, d.trader_bank_account, d.trader_directors,
  d.consignee_name, d.consignee_address, d.supplier_name, d.supplier_address, d.broker_name, d.carrier_name, d.attrs
RETURN count(d) AS n
