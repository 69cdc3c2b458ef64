-- Sums unit prices and forgets the quantity.
SELECT p.category,
       SUM(oi.unit_price)             AS revenue,
       COUNT(DISTINCT oi.customer_id) AS customers
FROM order_items AS oi
JOIN products AS p ON p.id = oi.product_id
GROUP BY p.category
HAVING SUM(oi.unit_price) >= 1000
   AND COUNT(DISTINCT oi.customer_id) >= 3;
