MATCH (p:AlertPass {run: $runId})
RETURN p.doc AS doc
