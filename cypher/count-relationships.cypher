// One count per type, each read from the count store (grouping by type(r) would read every relationship).
MATCH ()-[r:FILED_BY]->() RETURN 'FILED_BY' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:CONSIGNED_TO]->() RETURN 'CONSIGNED_TO' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:SUPPLIED_BY]->() RETURN 'SUPPLIED_BY' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:DECLARED_BY]->() RETURN 'DECLARED_BY' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:CARRIED_BY]->() RETURN 'CARRIED_BY' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:ROUTED_VIA]->() RETURN 'ROUTED_VIA' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:ON_VESSEL]->() RETURN 'ON_VESSEL' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:IN_CONTAINER]->() RETURN 'IN_CONTAINER' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:AT_ADDRESS]->() RETURN 'AT_ADDRESS' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:HAS_PHONE]->() RETURN 'HAS_PHONE' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:HAS_EMAIL]->() RETURN 'HAS_EMAIL' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:HAS_ACCOUNT]->() RETURN 'HAS_ACCOUNT' AS type, count(r) AS n
UNION ALL
MATCH ()-[r:DIRECTS]->() RETURN 'DIRECTS' AS type, count(r) AS n
