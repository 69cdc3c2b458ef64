-- Ignores case but forgets to trim spaces, and lets NULL emails form a "duplicate" group.
SELECT LOWER(email) AS email,
       COUNT(*) AS occurrences
FROM customers
GROUP BY LOWER(email)
HAVING COUNT(*) > 1;
