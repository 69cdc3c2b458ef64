-- December of two years a millennium apart (the placeholder date 2999-12-31 is still a
-- date of its own year), a month with two paid orders, one with nothing paid.
INSERT INTO orders (id, customer_id, order_date, status, amount) VALUES
    (1, 1, '1999-12-31', 'paid', 19.99),
    (2, 2, '2999-12-31', 'paid', 1.00),
    (3, 3, '2999-12-31', 'pending', 5.00),
    (4, 1, '2024-05-01', 'paid', 40.00),
    (5, 2, '2024-05-31', 'paid', 2.50),
    (6, 3, '2024-06-15', 'refunded', 40.00);
