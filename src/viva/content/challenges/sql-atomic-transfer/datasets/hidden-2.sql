-- Exactly 100.00 on account 1: the transfer succeeds and leaves it at 0.00.
-- Existing audit rows: the new one must get a fresh id.
INSERT INTO accounts (id, owner, balance) VALUES
    (1, 'Alice', 100.00),
    (2, 'Bob', 0.00),
    (4, 'Dave', 999.99);

INSERT INTO transfers (id, from_id, to_id, amount) VALUES
    (1, 4, 1, 60.00),
    (2, 4, 1, 40.00),
    (7, 1, 4, 0.01);
