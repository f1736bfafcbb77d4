CREATE CONSTRAINT current_run_singleton IF NOT EXISTS FOR (c:CurrentRun) REQUIRE c.singleton IS UNIQUE
