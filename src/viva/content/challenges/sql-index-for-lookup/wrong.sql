-- amount is only in the SELECT list, not in the WHERE clause: still a full scan.
CREATE INDEX ix_orders_amount ON orders (amount);
