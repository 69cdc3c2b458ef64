-- Account 1 holds only 50.00: the debit violates CHECK (balance >= 0).
-- Nothing may change: no credit for account 2, no audit row.
INSERT INTO accounts (id, owner, balance) VALUES
    (1, 'Alice', 50.00),
    (2, 'Bob', 300.00),
    (3, 'Carol', 10.00);

INSERT INTO transfers (id, from_id, to_id, amount) VALUES
    (1, 2, 3, 5.00),
    (2, 3, 1, 12.50);
