-- Sparse department ids, one empty department, unassigned (NULL) employees.
INSERT INTO departments (id, name) VALUES
    (10, 'Operations'),
    (20, 'Quality'),
    (30, 'Security');

INSERT INTO employees (id, name, department_id) VALUES
    (1, 'Tariq', 10),
    (2, 'Uma', NULL),
    (3, 'Viktor', 10),
    (4, 'Wen', 30),
    (5, 'Xenia', 10),
    (6, 'Yusuf', NULL);
