INSERT INTO employees (id, name, manager_id) VALUES
    (1, 'Grace', NULL),
    (2, 'Alan', 1),
    (3, 'Ada', 2),
    (4, 'Linus', 1),
    (5, 'Barbara', 4),
    (6, 'Ken', 4),
    (7, 'Edsger', 2),
    (8, 'Donald', 6);
