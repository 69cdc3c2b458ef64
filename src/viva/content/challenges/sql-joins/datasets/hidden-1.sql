-- Two departments without employees; employees not assigned to any department.
INSERT INTO departments (id, name) VALUES
    (1, 'Engineering'),
    (2, 'Legal'),
    (3, 'Marketing'),
    (4, 'Research'),
    (5, 'Sales');

INSERT INTO employees (id, name, department_id) VALUES
    (1, 'Ingrid', 1),
    (2, 'Jamal', 5),
    (3, 'Kenji', NULL),
    (4, 'Lucia', 1),
    (5, 'Mateo', 5),
    (6, 'Nadia', 1),
    (7, 'Oskar', NULL),
    (8, 'Priya', 3);
