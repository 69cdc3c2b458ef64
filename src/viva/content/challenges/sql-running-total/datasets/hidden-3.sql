-- Same-day movements stored out of id order, and an index that hands rows of the same day
-- to the engine by amount: only `ORDER BY tx_date, id` gives each one its own balance.
-- +10, -10, +10 on one day: two result rows are equal, and both must be there.
INSERT INTO transactions (id, account_id, tx_date, amount) VALUES
    (68, 3, '2024-05-02', 10.00),
    (61, 3, '2024-05-02', 250.00),
    (66, 3, '2024-05-02', -10.00),
    (65, 3, '2024-05-02', 10.00),
    (70, 3, '2024-05-01', -35.50),
    (63, 3, '2024-05-03', -400.00),
    (64, 3, '2024-05-03', 120.00),
    (62, 3, '2024-05-03', 75.25),
    (73, 8, '2024-05-02', 5.00),
    (71, 8, '2024-05-02', 500.00),
    (72, 8, '2024-05-02', -499.99),
    (69, 8, '2024-04-30', 1.00);

CREATE INDEX transactions_by_day_and_amount ON transactions (account_id, tx_date, amount DESC);
