-- Two transactions: the credit is committed before the debit is even tried.
BEGIN;
UPDATE accounts SET balance = balance + 100.00 WHERE id = 2;
COMMIT;
BEGIN;
INSERT INTO transfers (from_id, to_id, amount) VALUES (1, 2, 100.00);
UPDATE accounts SET balance = balance - 100.00 WHERE id = 1;
COMMIT;
