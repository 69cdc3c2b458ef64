-- Groups by product as well: revenue is checked per product, not per category.
SELECT p.category,
       SUM(oi.quantity * oi.unit_price) AS revenue,
       COUNT(DISTINCT oi.customer_id)   AS customers
FROM order_items AS oi
JOIN products AS p ON p.id = oi.product_id
GROUP BY p.category, p.id
HAVING SUM(oi.quantity * oi.unit_price) >= 1000
   AND COUNT(DISTINCT oi.customer_id) >= 3;
