CREATE CONSTRAINT entity_kind_key IF NOT EXISTS FOR (e:Entity) REQUIRE (e.kind, e.key) IS UNIQUE
