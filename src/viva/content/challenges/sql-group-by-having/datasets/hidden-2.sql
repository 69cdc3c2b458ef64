-- Office: two products, neither qualifies alone, the category does.
-- Garden: 3 distinct customers, one of them on many lines.
-- Pets: 5 lines, 5 rows of the same customer pair: 2 customers.
-- Music: a lot of revenue, 1 customer.
INSERT INTO products (id, name, category) VALUES
    (1, 'Chair', 'Office'),
    (2, 'Lamp', 'Office'),
    (3, 'Hose', 'Garden'),
    (4, 'Seeds', 'Garden'),
    (5, 'Leash', 'Pets'),
    (6, 'Guitar', 'Music'),
    (7, 'Notebook', 'Stationery');

INSERT INTO order_items (id, customer_id, product_id, quantity, unit_price) VALUES
    (1, 1, 1, 2, 150.00),
    (2, 2, 1, 1, 300.00),
    (3, 2, 2, 3, 100.00),
    (4, 3, 2, 3, 100.00),
    (5, 4, 3, 1, 45.50),
    (6, 4, 4, 100, 2.25),
    (7, 4, 3, 10, 45.50),
    (8, 5, 4, 200, 2.25),
    (9, 6, 3, 1, 45.50),
    (10, 7, 5, 10, 30.00),
    (11, 8, 5, 10, 30.00),
    (12, 7, 5, 10, 30.00),
    (13, 8, 5, 10, 30.00),
    (14, 7, 5, 10, 30.00),
    (15, 9, 6, 1, 2500.00),
    (16, 10, 7, 3, 1.20),
    (17, 11, 7, 2, 1.20),
    (18, 12, 7, 1, 1.20);
