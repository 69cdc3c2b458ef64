-- UNION ALL keeps every row: a city with several customers and/or suppliers is repeated.
SELECT city FROM customers WHERE city IS NOT NULL
UNION ALL
SELECT city FROM suppliers WHERE city IS NOT NULL;
