-- Books: 3 customers, 1200.00, but every line sells 1 unit (the same quantity three times).
-- Games: 3 different quantities and 1500.00, but only 2 customers.
-- Maps: 3 customers on 3 lines, 999.00 in all.
INSERT INTO products (id, name, category) VALUES
    (1, 'Atlas', 'Books'),
    (2, 'Novel', 'Books'),
    (3, 'Chess', 'Games'),
    (4, 'City map', 'Maps');

INSERT INTO order_items (id, customer_id, product_id, quantity, unit_price) VALUES
    (1, 1, 1, 1, 400.00),
    (2, 2, 1, 1, 400.00),
    (3, 3, 2, 1, 400.00),
    (4, 4, 3, 1, 250.00),
    (5, 4, 3, 2, 250.00),
    (6, 5, 3, 3, 250.00),
    (7, 6, 4, 1, 333.00),
    (8, 7, 4, 1, 333.00),
    (9, 8, 4, 1, 333.00);
