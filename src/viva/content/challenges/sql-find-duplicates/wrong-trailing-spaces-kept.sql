-- LTRIM removes only the leading spaces: 'x@y.com  ' is not matched with 'x@y.com'.
SELECT LOWER(LTRIM(email)) AS email,
       COUNT(*) AS occurrences
FROM customers
WHERE email IS NOT NULL
GROUP BY LOWER(LTRIM(email))
HAVING COUNT(*) > 1;
