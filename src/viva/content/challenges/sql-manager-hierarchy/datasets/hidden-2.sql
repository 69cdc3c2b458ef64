-- Namesakes at the top (two 'Sam Lee' with no manager), someone managed by a
-- namesake, a long chain, ids not in hierarchy order.
INSERT INTO employees (id, name, manager_id) VALUES
    (100, 'Sam Lee', NULL),
    (50, 'Sam Lee', NULL),
    (101, 'Jo', 100),
    (102, 'Jo', 101),
    (40, 'Kai', 102),
    (41, 'Liv', 40),
    (42, 'Max', 41),
    (43, 'Nia', 50),
    (44, 'Nia', 50),
    (45, 'Oz', 43);
