-- 500 generated orders (50 customers); customer 42 has paid and unpaid orders.
WITH RECURSIVE n(i) AS (
    SELECT 1
    UNION ALL
    SELECT i + 1 FROM n WHERE i < 500
)
INSERT INTO orders (id, customer_id, status, created_at, amount)
SELECT i,
       i % 50 + 1,
       CASE i % 7
           WHEN 0 THEN 'paid' WHEN 1 THEN 'paid' WHEN 2 THEN 'paid'
           WHEN 3 THEN 'pending' WHEN 4 THEN 'cancelled' WHEN 5 THEN 'refunded'
           ELSE 'paid'
       END,
       '2024-' || CASE WHEN i % 12 + 1 < 10 THEN '0' ELSE '' END || CAST(i % 12 + 1 AS TEXT)
           || '-' || CASE WHEN i % 28 + 1 < 10 THEN '0' ELSE '' END || CAST(i % 28 + 1 AS TEXT),
       (i * 37) % 1000 + 0.99
FROM n;
