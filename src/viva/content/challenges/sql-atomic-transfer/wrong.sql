-- Every statement commits on its own: when the debit fails, the credit and
-- the audit row are already there.
UPDATE accounts SET balance = balance + 100.00 WHERE id = 2;
INSERT INTO transfers (from_id, to_id, amount) VALUES (1, 2, 100.00);
UPDATE accounts SET balance = balance - 100.00 WHERE id = 1;
