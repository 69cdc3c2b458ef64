-- An index that does not help this query: replace it.
CREATE INDEX ix_orders_created ON orders (created_at);
