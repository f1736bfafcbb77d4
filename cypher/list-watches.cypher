MATCH (w:Watch)
WHERE $who IS NULL OR w.who = $who
RETURN w.id AS id, w.doc AS doc, w.seen AS seen
ORDER BY w.id
