-- Ties at rank 1 and rank 3, a NULL salary, more than 3 rows in the answer.
INSERT INTO employees (id, name, department, salary) VALUES
    (1, 'Ingrid', 'Engineering', 140000.00),
    (2, 'Jamal', 'Engineering', 140000.00),
    (3, 'Kenji', 'Sales', NULL),
    (4, 'Lucia', 'Engineering', 131500.50),
    (5, 'Mateo', 'Sales', 120000.00),
    (6, 'Nadia', 'Support', 120000.00),
    (7, 'Oskar', 'Support', 119999.99),
    (8, 'Priya', 'Sales', 120000.00),
    (9, 'Quentin', 'Support', 45000.00),
    (10, 'Rania', 'Engineering', 131500.50),
    (11, 'Sven', 'Support', NULL);
