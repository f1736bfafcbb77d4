MATCH ()-[r]->() WHERE NOT type(r) IN ['SCORED'] RETURN type(r) AS type, count(*) AS n
