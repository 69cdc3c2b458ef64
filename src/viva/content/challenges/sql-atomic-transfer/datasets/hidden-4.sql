-- The transfer succeeds, but account 1 is not Alice's and not the lowest id, and audit
-- id 3 is taken: only `WHERE id = 1` / `WHERE id = 2` and an engine-assigned id work.
INSERT INTO accounts (id, owner, balance) VALUES
    (0, 'Treasury', 5000.00),
    (1, 'Bob', 250.00),
    (2, 'Alice', 10.00),
    (5, 'Dan', 1.00);

INSERT INTO transfers (id, from_id, to_id, amount) VALUES
    (1, 0, 1, 250.00),
    (2, 0, 2, 10.00),
    (3, 0, 5, 1.00);
