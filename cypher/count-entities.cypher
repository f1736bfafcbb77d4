MATCH (e:Entity) RETURN e.kind AS kind, count(*) AS n
