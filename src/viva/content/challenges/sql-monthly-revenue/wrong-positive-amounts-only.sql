-- Also drops free orders: a month whose only paid order is 0.00 must still appear.
SELECT substr(order_date, 1, 7) AS month,
       SUM(amount)              AS revenue,
       COUNT(*)                 AS orders
FROM orders
WHERE status = 'paid' AND amount > 0
GROUP BY substr(order_date, 1, 7);
