-- Removes every space, not only the ones at the ends: 'v ik@example.in' becomes a duplicate
-- of 'vik@example.in'.
SELECT LOWER(REPLACE(email, ' ', '')) AS email,
       COUNT(*) AS occurrences
FROM customers
WHERE email IS NOT NULL
GROUP BY LOWER(REPLACE(email, ' ', ''))
HAVING COUNT(*) > 1;
