CREATE CONSTRAINT declaration_key IF NOT EXISTS FOR (d:Declaration) REQUIRE (d.declaration_id, d.item_no) IS UNIQUE
