SELECT order_date, status, amount
FROM orders;
