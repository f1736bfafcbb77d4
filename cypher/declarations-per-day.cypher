MATCH (d:Declaration)
WITH substring(d.lodged_at, 0, 10) AS day
RETURN day, count(*) AS count
ORDER BY day
