MATCH (o:ChannelOverride) WHERE o.at >= $since
RETURN count(o) AS n
