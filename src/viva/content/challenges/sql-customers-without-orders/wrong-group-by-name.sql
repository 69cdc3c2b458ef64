-- Groups by name: two customers sharing a name are merged, so one with orders hides the
-- other who has none (and the id shown is an arbitrary one of the pair).
SELECT MIN(c.id) AS id, c.name
FROM customers AS c
LEFT JOIN orders AS o ON o.customer_id = c.id
GROUP BY c.name
HAVING COUNT(o.id) = 0;
