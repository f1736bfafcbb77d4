MATCH (a:Alert {id: $id})
WHERE a.version = $expected
SET a.state = $state, a.assignee = $assignee, a.version = $expected + 1, a.doc = $doc
RETURN count(a) AS saved
