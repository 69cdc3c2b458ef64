-- A join keeps only the cities that have both a customer and a supplier.
SELECT DISTINCT c.city
FROM customers AS c
JOIN suppliers AS s ON s.city = c.city;
