-- Only two distinct salaries (one of them shared by three people), plus NULLs; the names
-- of each tie run against the id order.
INSERT INTO employees (id, name, department, salary) VALUES
    (1, 'Xenia', 'Engineering', 88000.00),
    (2, 'Uma', 'Engineering', NULL),
    (3, 'Viktor', 'Sales', 88000.00),
    (4, 'Zofia', 'Sales', 61000.00),
    (5, 'Tariq', 'Support', 88000.00),
    (6, 'Yusuf', 'Support', NULL),
    (7, 'Wen', 'Sales', 61000.00);
