DELETE FROM customers
WHERE EXISTS (
    SELECT 1
    FROM customers AS keeper
    WHERE lower(trim(keeper.email)) = lower(trim(customers.email))  -- NULL never matches
      AND keeper.id < customers.id
);
