MATCH (o:ChannelOverride)
WHERE o.id < coalesce($before, '~') AND o.at >= $since
RETURN properties(o) AS override
ORDER BY o.id DESC
LIMIT $limit
