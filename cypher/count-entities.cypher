// One count per kind label, each read from the count store (counting e.kind would read every node).
MATCH (e:Trader) RETURN 'Trader' AS kind, count(e) AS n
UNION ALL
MATCH (e:Consignee) RETURN 'Consignee' AS kind, count(e) AS n
UNION ALL
MATCH (e:Supplier) RETURN 'Supplier' AS kind, count(e) AS n
UNION ALL
MATCH (e:Broker) RETURN 'Broker' AS kind, count(e) AS n
UNION ALL
MATCH (e:Carrier) RETURN 'Carrier' AS kind, count(e) AS n
UNION ALL
MATCH (e:Route) RETURN 'Route' AS kind, count(e) AS n
UNION ALL
MATCH (e:Person) RETURN 'Person' AS kind, count(e) AS n
UNION ALL
MATCH (e:Address) RETURN 'Address' AS kind, count(e) AS n
UNION ALL
MATCH (e:Phone) RETURN 'Phone' AS kind, count(e) AS n
UNION ALL
MATCH (e:Email) RETURN 'Email' AS kind, count(e) AS n
UNION ALL
MATCH (e:BankAccount) RETURN 'BankAccount' AS kind, count(e) AS n
UNION ALL
MATCH (e:Vessel) RETURN 'Vessel' AS kind, count(e) AS n
UNION ALL
MATCH (e:Container) RETURN 'Container' AS kind, count(e) AS n
