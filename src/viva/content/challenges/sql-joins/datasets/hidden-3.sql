-- Employees who share a name, in one department and across two: each is counted.
INSERT INTO departments (id, name) VALUES
    (1, 'Operations'),
    (2, 'Design'),
    (3, 'Audit');

INSERT INTO employees (id, name, department_id) VALUES
    (1, 'Sam Park', 1),
    (2, 'Sam Park', 1),
    (3, 'Sam Park', 2),
    (4, 'Ivy Chen', 1),
    (5, 'Sam Park', NULL);
