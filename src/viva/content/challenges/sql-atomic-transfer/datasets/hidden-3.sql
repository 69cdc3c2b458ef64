-- Enough money, but the audit log refuses new rows (maintenance freeze): the
-- INSERT fails, so the debit and the credit must not stay either.
INSERT INTO accounts (id, owner, balance) VALUES
    (1, 'Alice', 1000.00),
    (2, 'Bob', 1.00);

INSERT INTO transfers (id, from_id, to_id, amount) VALUES
    (1, 2, 1, 1.00);

CREATE TRIGGER transfers_frozen BEFORE INSERT ON transfers
BEGIN
    SELECT RAISE(ABORT, 'audit log is read-only during maintenance');
END;
