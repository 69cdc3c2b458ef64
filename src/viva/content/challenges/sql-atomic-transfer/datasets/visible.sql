INSERT INTO accounts (id, owner, balance) VALUES
    (1, 'Alice', 500.00),
    (2, 'Bob', 20.00),
    (3, 'Carol', 75.00);

INSERT INTO transfers (id, from_id, to_id, amount) VALUES
    (1, 3, 1, 25.00);
