MATCH (a:Alert)
RETURN max(a.id) AS id
