MERGE (p:AlertPass {run: $runId})
SET p.raised_at = $raisedAt, p.doc = $doc
