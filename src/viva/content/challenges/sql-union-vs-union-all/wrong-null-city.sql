-- UNION removes duplicates, but NULL survives as a "city".
SELECT city FROM customers
UNION
SELECT city FROM suppliers;
