// MERGE on the id made once per case: a retried transaction finds the case it already wrote.
MERGE (c:Case {id: $id})
  ON CREATE SET c.title = $title, c.status = $status, c.created_at = $createdAt, c.created_by = $createdBy, c.updated_at = $updatedAt,
    c.version = $version, c.doc = $doc
