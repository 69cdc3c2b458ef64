SELECT substr(order_date, 1, 7) AS month,
       SUM(amount)              AS revenue,
       COUNT(*)                 AS orders
FROM orders
WHERE status = 'paid'
GROUP BY substr(order_date, 1, 7);
