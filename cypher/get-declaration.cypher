MATCH (d:Declaration {declaration_id: $declarationId, item_no: $itemNo})
RETURN elementId(d) AS id, properties(d) AS props
