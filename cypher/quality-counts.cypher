MATCH (q:QualityCount)
RETURN q.month AS month, q.measure AS measure, q.n AS n
ORDER BY month, measure
