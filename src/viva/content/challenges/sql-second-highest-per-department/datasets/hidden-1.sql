-- Ties at the top, everybody paid the same, NULL salaries, a lone employee.
INSERT INTO employees (id, name, department, salary) VALUES
    (1, 'Ingrid', 'Engineering', 140000.00),
    (2, 'Jamal', 'Engineering', 140000.00),
    (3, 'Kenji', 'Engineering', 131500.50),
    (4, 'Lucia', 'Engineering', NULL),
    (5, 'Mateo', 'Sales', 60000.00),
    (6, 'Nadia', 'Sales', 60000.00),
    (7, 'Oskar', 'Sales', 60000.00),
    (8, 'Priya', 'Support', NULL),
    (9, 'Quentin', 'Support', 45000.00),
    (10, 'Rania', 'Support', 41000.00),
    (11, 'Sven', 'Legal', 99000.00),
    (12, 'Tariq', 'Research', NULL),
    (13, 'Uma', 'Research', NULL);
