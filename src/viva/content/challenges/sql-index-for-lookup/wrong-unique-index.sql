-- UNIQUE fails: a customer has several paid orders, so the index cannot be built.
CREATE UNIQUE INDEX ix_orders_customer_status ON orders (customer_id, status);
