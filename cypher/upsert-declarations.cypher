UNWIND $rows AS row
MERGE (d:Declaration {declaration_id: row.declaration_id, item_no: row.item_no})
WITH d, row, coalesce(d.seq, row.seq) AS seq
// A re-declared item is replaced whole, as SQLite replaces its row: a field the new version no
// longer carries (a phone, a goods origin, a quantity) must not survive from the old one.
SET d = row.props
SET d.declaration_id = row.declaration_id, d.item_no = row.item_no, d.seq = seq, d.kind = 'Declaration', d.key = row.key
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
