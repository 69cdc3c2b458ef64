-- Conditional aggregation over all orders: right sums and counts, but a month
-- with no paid order still shows up (with 0 and 0).
SELECT substr(order_date, 1, 7)                             AS month,
       SUM(CASE WHEN status = 'paid' THEN amount ELSE 0 END) AS revenue,
       COUNT(CASE WHEN status = 'paid' THEN 1 END)           AS orders
FROM orders
GROUP BY substr(order_date, 1, 7);
