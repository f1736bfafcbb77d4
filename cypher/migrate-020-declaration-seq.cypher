CREATE INDEX declaration_seq IF NOT EXISTS FOR (d:Declaration) ON (d.seq)
