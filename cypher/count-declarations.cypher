MATCH (d:Declaration) RETURN count(d) AS n
