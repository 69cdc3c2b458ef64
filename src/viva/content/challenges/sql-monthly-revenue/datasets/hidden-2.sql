-- A month whose only paid order is free (0.00: appears), months with nothing paid
-- (do not appear), many orders on one day, a gap between months.
INSERT INTO orders (id, customer_id, order_date, status, amount) VALUES
    (1, 7, '2022-06-30', 'paid', 0.00),
    (2, 7, '2022-07-01', 'pending', 15.00),
    (3, 8, '2022-07-15', 'refunded', 15.00),
    (4, 8, '2022-09-09', 'paid', 12.10),
    (5, 9, '2022-09-09', 'paid', 12.20),
    (6, 9, '2022-09-09', 'paid', 12.30),
    (7, 9, '2022-09-09', 'cancelled', 12.40),
    (8, 1, '2022-10-01', 'cancelled', 1000.00),
    (9, 2, '2023-01-31', 'paid', 999.99),
    (10, 2, '2023-02-01', 'paid', 0.01);
