SHOW INDEXES YIELD name, type, state
