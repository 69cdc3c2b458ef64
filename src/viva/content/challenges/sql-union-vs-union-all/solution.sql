SELECT city FROM customers WHERE city IS NOT NULL
UNION
SELECT city FROM suppliers WHERE city IS NOT NULL;
