-- Toys: 4 order lines but only 2 distinct customers (COUNT(*) would let it in).
-- Sports: revenue exactly 1000.00 with exactly 3 customers (inclusive thresholds).
-- Kitchen: 3 customers but 999.99.
-- Audio: SUM(unit_price) is below 1000, SUM(quantity * unit_price) is not.
INSERT INTO products (id, name, category) VALUES
    (1, 'Robot', 'Toys'),
    (2, 'Puzzle', 'Toys'),
    (3, 'Ball', 'Sports'),
    (4, 'Racket', 'Sports'),
    (5, 'Pan', 'Kitchen'),
    (6, 'Speaker', 'Audio'),
    (7, 'Cable', 'Audio'),
    (8, 'Kite', 'Outdoor');

INSERT INTO order_items (id, customer_id, product_id, quantity, unit_price) VALUES
    (1, 10, 1, 1, 600.00),
    (2, 10, 2, 2, 150.00),
    (3, 11, 1, 1, 600.00),
    (4, 11, 2, 1, 150.00),
    (5, 20, 3, 4, 25.00),
    (6, 21, 4, 2, 250.00),
    (7, 22, 4, 1, 400.00),
    (8, 30, 5, 1, 333.33),
    (9, 31, 5, 1, 333.33),
    (10, 32, 5, 1, 333.33),
    (11, 40, 6, 10, 80.00),
    (12, 41, 7, 20, 9.50),
    (13, 42, 6, 1, 80.00),
    (14, 40, 7, 5, 9.50);
