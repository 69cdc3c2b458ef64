-- "Some order is not theirs" is not "no order is theirs".
SELECT DISTINCT c.id, c.name
FROM customers AS c
JOIN orders AS o ON o.customer_id <> c.id;
