-- Counts distinct spellings instead of rows: an exact pair of the same address counts once.
SELECT LOWER(TRIM(email)) AS email,
       COUNT(DISTINCT email) AS occurrences
FROM customers
WHERE email IS NOT NULL
GROUP BY LOWER(TRIM(email))
HAVING COUNT(DISTINCT email) > 1;
