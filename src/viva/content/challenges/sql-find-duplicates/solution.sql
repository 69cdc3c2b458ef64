SELECT LOWER(TRIM(email)) AS email,
       COUNT(*) AS occurrences
FROM customers
WHERE email IS NOT NULL
GROUP BY LOWER(TRIM(email))
HAVING COUNT(*) > 1;
