MATCH (a:Alert)
WHERE ($types IS NULL OR a.type IN $types) AND ($states IS NULL OR a.state IN $states) AND a.severity >= $minSeverity
  AND ($since IS NULL OR a.at >= $since) AND ($until IS NULL OR a.at < $until)
  AND ($assignee IS NULL OR a.assignee = $assignee) AND ($entity IS NULL OR $entity IN a.entities)
RETURN count(a) AS n
