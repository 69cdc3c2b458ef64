-- NOT IN against a column containing NULL: `id NOT IN (1, NULL)` is never TRUE (it is
-- UNKNOWN), so one guest order empties the whole result.
SELECT id, name
FROM customers
WHERE id NOT IN (SELECT customer_id FROM orders);
