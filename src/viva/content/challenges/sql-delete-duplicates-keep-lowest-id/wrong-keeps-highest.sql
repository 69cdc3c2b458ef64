-- Keeps the newest row of each group instead of the oldest.
DELETE FROM customers
WHERE EXISTS (
    SELECT 1
    FROM customers AS keeper
    WHERE lower(trim(keeper.email)) = lower(trim(customers.email))
      AND keeper.id > customers.id
);
