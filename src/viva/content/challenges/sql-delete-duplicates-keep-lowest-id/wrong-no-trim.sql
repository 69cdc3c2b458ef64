-- Ignores case but not the spaces around the address.
DELETE FROM customers
WHERE EXISTS (
    SELECT 1
    FROM customers AS keeper
    WHERE lower(keeper.email) = lower(customers.email)
      AND keeper.id < customers.id
);
