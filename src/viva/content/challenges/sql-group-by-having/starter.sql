SELECT p.category, oi.customer_id, oi.quantity, oi.unit_price
FROM order_items AS oi
JOIN products AS p ON p.id = oi.product_id;
