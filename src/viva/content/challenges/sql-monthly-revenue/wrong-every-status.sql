-- Forgets the status filter: cancelled, pending and refunded orders are revenue too.
SELECT substr(order_date, 1, 7) AS month,
       SUM(amount)              AS revenue,
       COUNT(*)                 AS orders
FROM orders
GROUP BY substr(order_date, 1, 7);
