-- One transaction, but OR IGNORE swallows the failed debit: the credit and the audit row
-- are committed while account 1 keeps its money.
BEGIN;
UPDATE accounts SET balance = balance + 100.00 WHERE id = 2;
INSERT INTO transfers (from_id, to_id, amount) VALUES (1, 2, 100.00);
UPDATE OR IGNORE accounts SET balance = balance - 100.00 WHERE id = 1;
COMMIT;
