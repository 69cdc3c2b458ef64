-- DISTINCT inside each branch: a city of a customer and a supplier still appears twice.
SELECT DISTINCT city FROM customers WHERE city IS NOT NULL
UNION ALL
SELECT DISTINCT city FROM suppliers WHERE city IS NOT NULL;
