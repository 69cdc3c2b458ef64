-- Ties on the second value, a zero salary, NULL next to a single real salary.
INSERT INTO employees (id, name, department, salary) VALUES
    (1, 'Viktor', 'Operations', 70000.00),
    (2, 'Wen', 'Operations', 52000.00),
    (3, 'Xenia', 'Operations', 52000.00),
    (4, 'Yusuf', 'Operations', 70000.00),
    (5, 'Zofia', 'Operations', 30000.00),
    (6, 'Amir', 'Interns', 0.00),
    (7, 'Bea', 'Interns', 1500.00),
    (8, 'Carl', 'Interns', 1500.00),
    (9, 'Dora', 'Quality', NULL),
    (10, 'Elif', 'Quality', 48000.00),
    (11, 'Femi', 'Security', 61000.25),
    (12, 'Gina', 'Security', 61000.00);
