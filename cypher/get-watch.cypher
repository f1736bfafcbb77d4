MATCH (w:Watch {id: $id})
RETURN w.id AS id, w.doc AS doc, w.seen AS seen
