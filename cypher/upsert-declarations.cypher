UNWIND $rows AS row
MERGE (d:Declaration {declaration_id: row.declaration_id, item_no: row.item_no})
  ON CREATE SET d.seq = row.seq
SET d += row.props, d.kind = 'Declaration', d.key = row.key
WITH d, row
CALL (d) {
  MATCH (d)-[old]->(:Entity)
  DELETE old
}
WITH d, row
UNWIND row.parties AS party
MATCH (e:Entity {kind: party.kind, key: party.key})
MERGE (d)-[r:$(party.type)]->(e)
RETURN count(r) AS written
