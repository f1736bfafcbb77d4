MERGE (m:SchemaVersion {singleton: 1}) SET m.version = $version, m.applied_at = $appliedAt
