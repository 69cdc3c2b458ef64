INSERT INTO departments (id, name) VALUES
    (1, 'Engineering'),
    (2, 'Sales'),
    (3, 'Support'),
    (4, 'Finance');

INSERT INTO employees (id, name, department_id) VALUES
    (1, 'Alice', 1),
    (2, 'Bruno', 1),
    (3, 'Chen', 2),
    (4, 'Divya', 1),
    (5, 'Emeka', 3),
    (6, 'Fatima', 2),
    (7, 'Gustav', 4),
    (8, 'Hiro', 3);
