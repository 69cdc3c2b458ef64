-- Picks the accounts by the owners of the example data instead of by id.
BEGIN;
UPDATE accounts SET balance = balance - 100.00 WHERE owner = 'Alice';
UPDATE accounts SET balance = balance + 100.00 WHERE owner = 'Bob';
INSERT INTO transfers (from_id, to_id, amount) VALUES (1, 2, 100.00);
COMMIT;
