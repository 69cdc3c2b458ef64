INSERT INTO customers (id, name) VALUES
    (1, 'Ana Lima'),
    (2, 'Bo Chen'),
    (3, 'Chidi Okafor'),
    (4, 'Dana Weiss'),
    (5, 'Eva Novak'),
    (6, 'Farah Khan');

INSERT INTO orders (id, customer_id, ordered_on, total) VALUES
    (101, 1, '2024-03-01', 59.90),
    (102, 3, '2024-03-02', 120.00),
    (103, 1, '2024-03-05', 15.50),
    (104, 5, '2024-03-07', 240.75),
    (105, 3, '2024-03-09', 8.99),
    (106, 1, '2024-03-12', 33.00);
