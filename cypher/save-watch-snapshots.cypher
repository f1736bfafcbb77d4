UNWIND $rows AS r
MATCH (w:Watch {id: r.id})
SET w.seen = r.seen
