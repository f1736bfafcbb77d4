CREATE CONSTRAINT quality_month_measure IF NOT EXISTS FOR (q:QualityCount) REQUIRE (q.month, q.measure) IS UNIQUE
