INSERT INTO products (id, name, category) VALUES
    (1, 'Laptop', 'Electronics'),
    (2, 'Headphones', 'Electronics'),
    (3, 'USB cable', 'Electronics'),
    (4, 'Novel', 'Books'),
    (5, 'Cookbook', 'Books'),
    (6, 'Desk', 'Furniture'),
    (7, 'Rake', 'Garden');

INSERT INTO order_items (id, customer_id, product_id, quantity, unit_price) VALUES
    (1, 1, 1, 2, 499.00),
    (2, 2, 2, 1, 129.50),
    (3, 3, 3, 3, 19.90),
    (4, 1, 4, 1, 12.99),
    (5, 2, 4, 2, 12.99),
    (6, 4, 5, 1, 25.00),
    (7, 5, 5, 1, 25.00),
    (8, 4, 6, 2, 650.00),
    (9, 5, 6, 1, 650.00);
