// MERGE on the key of the change an alert reports: the same change raised twice (a retried job) is stored once.
UNWIND $rows AS r
MERGE (a:Alert {key: r.key})
  ON CREATE SET a.id = r.id, a.type = r.type, a.severity = r.severity, a.state = r.state, a.at = r.at, a.assignee = r.assignee,
    a.version = r.version, a.entities = r.entities, a.doc = r.doc
RETURN r.key AS key, a.id = r.id AS created
