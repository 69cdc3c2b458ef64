-- Ties at ranks 1, 2 and 3, some with names against the id (and storage) order, so only
-- `ORDER BY salary_rank, name` puts them right; a NULL salary; 120000.40 and 120000.00 are
-- two salaries (the cents count: 120000.00 is rank 4); six rows in the answer.
INSERT INTO employees (id, name, department, salary) VALUES
    (1, 'Jamal', 'Engineering', 140000.00),
    (2, 'Ingrid', 'Engineering', 140000.00),
    (3, 'Kenji', 'Sales', NULL),
    (4, 'Lucia', 'Engineering', 131500.50),
    (5, 'Mateo', 'Sales', 120000.00),
    (6, 'Nadia', 'Support', 120000.00),
    (7, 'Oskar', 'Support', 120000.40),
    (8, 'Priya', 'Sales', 120000.00),
    (9, 'Quentin', 'Support', 45000.00),
    (10, 'Rania', 'Engineering', 131500.50),
    (11, 'Sven', 'Support', NULL),
    (12, 'Ada', 'Support', 120000.40);
