-- 400 generated orders in which customer 42 has no order at all, plus a few
-- hand-written ones for customer 42: one paid, others not (a 'Paid' with a capital
-- P is not 'paid').
WITH RECURSIVE n(i) AS (
    SELECT 1
    UNION ALL
    SELECT i + 1 FROM n WHERE i < 400
)
INSERT INTO orders (id, customer_id, status, created_at, amount)
SELECT i,
       CASE WHEN i % 80 + 1 = 42 THEN 43 ELSE i % 80 + 1 END,
       CASE WHEN i % 3 = 0 THEN 'pending' ELSE 'paid' END,
       '2022-12-' || CASE WHEN i % 31 + 1 < 10 THEN '0' ELSE '' END || CAST(i % 31 + 1 AS TEXT),
       (i * 11) % 300 + 0.5
FROM n;

INSERT INTO orders (id, customer_id, status, created_at, amount) VALUES
    (401, 42, 'paid', '2023-01-02', 19.99),
    (402, 42, 'Paid', '2023-01-03', 29.99),
    (403, 42, 'pending', '2023-01-04', 39.99),
    (404, 24, 'paid', '2023-01-05', 49.99);
