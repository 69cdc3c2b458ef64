-- 900 generated orders over 150 customers, a different status mix and dates.
WITH RECURSIVE n(i) AS (
    SELECT 1
    UNION ALL
    SELECT i + 1 FROM n WHERE i < 900
)
INSERT INTO orders (id, customer_id, status, created_at, amount)
SELECT 1000 + i,
       (i * 13) % 150 + 1,
       CASE (i / 3) % 5
           WHEN 0 THEN 'paid' WHEN 1 THEN 'pending' WHEN 2 THEN 'paid'
           WHEN 3 THEN 'cancelled' ELSE 'refunded'
       END,
       '2023-' || CASE WHEN i % 9 + 1 < 10 THEN '0' ELSE '' END || CAST(i % 9 + 1 AS TEXT) || '-15',
       (i * 53) % 500 + 0.25
FROM n;
