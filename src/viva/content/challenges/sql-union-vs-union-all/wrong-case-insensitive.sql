-- Merges cities that differ only by case ('Paris' and 'paris' are two cities here).
SELECT MIN(city) AS city
FROM (
    SELECT city FROM customers
    UNION ALL
    SELECT city FROM suppliers
) AS cities
WHERE city IS NOT NULL
GROUP BY LOWER(city);
