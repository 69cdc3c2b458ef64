-- Trims but groups case-sensitively: 'Rosa@Example.MX' and 'rosa@example.mx' stay apart.
SELECT MIN(LOWER(TRIM(email))) AS email,
       COUNT(*) AS occurrences
FROM customers
WHERE email IS NOT NULL
GROUP BY TRIM(email)
HAVING COUNT(*) > 1;
