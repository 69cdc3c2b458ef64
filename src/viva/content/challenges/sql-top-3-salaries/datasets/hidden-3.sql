-- Ties whose names run against the id (and insertion) order: only `ORDER BY salary_rank,
-- name` puts them right, not the id, the salary or the order the rows were stored in.
-- 87000.40 and 87000.00 are two salaries (the cents count).
INSERT INTO employees (id, name, department, salary) VALUES
    (1, 'Zanele', 'Sales', 95000.00),
    (2, 'Yaw', 'Support', 95000.00),
    (3, 'Bianca', 'Engineering', NULL),
    (4, 'Xavier', 'Engineering', 95000.00),
    (5, 'Aiko', 'Sales', 95000.00),
    (6, 'Wanjiru', 'Support', 87000.00),
    (7, 'Dmitri', 'Engineering', 87000.00),
    (8, 'Valentina', 'Sales', 60500.00),
    (9, 'Emre', 'Support', 60500.00),
    (10, 'Chloe', 'Engineering', 12000.00),
    (11, 'Farid', 'Sales', 87000.40);
