CREATE CONSTRAINT schema_version_singleton IF NOT EXISTS FOR (m:SchemaVersion) REQUIRE m.singleton IS UNIQUE
