-- The leading column is one the query does not filter on: SQLite cannot search this index.
-- (PostgreSQL's plan check still counts a full index scan: see equivalent-mutants.yaml.)
CREATE INDEX ix_orders_created_customer_status ON orders (created_at, customer_id, status);
