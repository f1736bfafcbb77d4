UNWIND $keys AS k
MATCH (d:Declaration {declaration_id: k.declarationId, item_no: k.itemNo})
RETURN k.key AS key, properties(d) AS props, d.seq AS seq
