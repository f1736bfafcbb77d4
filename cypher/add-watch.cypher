// MERGE on the id made once per watch: a retried transaction finds the watch it already wrote.
MERGE (w:Watch {id: $id})
  ON CREATE SET w.who = $who, w.doc = $doc
