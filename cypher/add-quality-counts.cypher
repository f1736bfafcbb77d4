UNWIND $rows AS row
MERGE (q:QualityCount {month: row.month, measure: row.measure})
  ON CREATE SET q.n = 0
SET q.n = q.n + row.n
