MATCH (w:WatchlistEntry) RETURN count(w) AS n
