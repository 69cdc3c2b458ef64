-- Same-day movements (the tie is broken by id), back-dated entries with a higher id,
-- an overdraft, and an account with a single movement.
INSERT INTO transactions (id, account_id, tx_date, amount) VALUES
    (21, 10, '2024-03-01', 100.00),
    (22, 10, '2024-03-01', -30.00),
    (23, 10, '2024-03-01', 5.00),
    (24, 11, '2024-03-01', 250.00),
    (25, 10, '2024-03-04', -200.00),
    (26, 11, '2024-03-02', -300.00),
    (27, 11, '2024-03-02', 60.00),
    (28, 12, '2024-03-03', 9.99),
    (29, 11, '2024-03-05', 10.00),
    (30, 10, '2024-02-28', 40.00),
    (31, 10, '2024-03-04', 150.00),
    (32, 11, '2024-02-29', 1.00);
