MATCH (w:Watch {id: $id})
WITH w, w.id AS id
DETACH DELETE w
RETURN count(id) AS removed
