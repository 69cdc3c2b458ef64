-- The same month number in two years; a month with only cancelled/pending/refunded
-- orders (must not appear); year boundary.
INSERT INTO orders (id, customer_id, order_date, status, amount) VALUES
    (1, 1, '2023-12-01', 'paid', 100.00),
    (2, 2, '2023-12-31', 'paid', 50.00),
    (3, 3, '2024-01-01', 'paid', 10.00),
    (4, 1, '2024-02-10', 'cancelled', 500.00),
    (5, 2, '2024-02-11', 'pending', 70.00),
    (6, 3, '2024-02-20', 'refunded', 30.00),
    (7, 4, '2024-12-24', 'paid', 240.00),
    (8, 5, '2024-12-25', 'cancelled', 10.00),
    (9, 1, '2023-03-15', 'paid', 33.33),
    (10, 2, '2024-03-15', 'paid', 66.67),
    (11, 3, '2024-03-16', 'paid', 0.01);
