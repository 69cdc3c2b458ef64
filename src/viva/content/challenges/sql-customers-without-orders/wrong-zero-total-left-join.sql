-- An order with a zero total is still an order, but this LEFT JOIN only matches positive
-- totals: a customer whose only order was free (or refunded) shows up.
SELECT c.id, c.name
FROM customers AS c
LEFT JOIN orders AS o ON o.customer_id = c.id AND o.total > 0
WHERE o.id IS NULL;
