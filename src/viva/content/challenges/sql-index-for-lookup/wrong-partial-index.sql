-- A partial index for pending orders cannot answer a query about paid ones.
CREATE INDEX ix_orders_pending ON orders (customer_id) WHERE status = 'pending';
