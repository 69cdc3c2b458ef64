INSERT INTO employees (id, name, department, salary) VALUES
    (1, 'Alice', 'Engineering', 125000.00),
    (2, 'Bruno', 'Engineering', 98000.00),
    (3, 'Chen', 'Sales', 72000.00),
    (4, 'Divya', 'Engineering', 110000.00),
    (5, 'Emeka', 'Sales', 64000.00),
    (6, 'Fatima', 'Support', 51000.00),
    (7, 'Gustav', 'Sales', 64000.00),
    (8, 'Hiro', 'Support', 55000.00),
    (9, 'Ines', 'Legal', 90000.00);
