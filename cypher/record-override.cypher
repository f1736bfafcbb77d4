// MERGE on the id made once per override: a retried transaction finds what it already wrote.
MERGE (o:ChannelOverride {id: $id})
  ON CREATE SET o.at = $at, o.who = $who, o.declaration_id = $declarationId, o.model_channel = $modelChannel, o.channel = $channel,
    o.reason = $reason, o.note = $note, o.run_id = $runId
