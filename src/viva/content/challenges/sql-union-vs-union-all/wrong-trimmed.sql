-- Trims the names: 'Porto ' (stored with a trailing space) is merged into 'Porto'.
SELECT DISTINCT TRIM(city) AS city
FROM (
    SELECT city FROM customers
    UNION ALL
    SELECT city FROM suppliers
) AS cities
WHERE city IS NOT NULL;
