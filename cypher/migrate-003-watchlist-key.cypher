CREATE CONSTRAINT watchlist_kind_key IF NOT EXISTS FOR (w:WatchlistEntry) REQUIRE (w.kind, w.key) IS UNIQUE
