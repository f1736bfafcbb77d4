MATCH (d:Declaration {declaration_id: $declarationId, item_no: $itemNo})
RETURN elementId(d) AS id, 'Declaration' AS kind, d.key AS key, d.declaration_id AS name
