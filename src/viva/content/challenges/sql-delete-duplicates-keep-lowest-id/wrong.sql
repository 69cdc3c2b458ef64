-- GROUP BY puts all the NULL emails in one group, so every NULL-email row
-- but the first one is deleted.
DELETE FROM customers
WHERE id NOT IN (
    SELECT MIN(id)
    FROM customers
    GROUP BY lower(trim(email))
);
