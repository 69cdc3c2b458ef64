-- IS NOT DISTINCT FROM makes NULL equal to NULL: every NULL-email row but the first goes.
DELETE FROM customers
WHERE EXISTS (
    SELECT 1
    FROM customers AS keeper
    WHERE lower(trim(keeper.email)) IS NOT DISTINCT FROM lower(trim(customers.email))
      AND keeper.id < customers.id
);
