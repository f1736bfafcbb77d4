MATCH (d:Declaration) WHERE d.lodged_at < $cutoff AND coalesce(d.purged, false) = false
RETURN count(d) AS n
