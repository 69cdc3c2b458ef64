-- A guest order (NULL customer_id): NOT IN (SELECT customer_id ...) returns nothing.
INSERT INTO customers (id, name) VALUES
    (1, 'Goran Petrovic'),
    (2, 'Hana Sato'),
    (3, 'Ivan Horvat'),
    (4, 'Jon Berg'),
    (5, 'Kai Meyer');

INSERT INTO orders (id, customer_id, ordered_on, total) VALUES
    (201, 2, '2024-04-01', 45.00),
    (202, NULL, '2024-04-02', 19.99),
    (203, 4, '2024-04-02', 310.00),
    (204, 2, '2024-04-03', 12.00),
    (205, 4, '2024-04-04', 7.25);
