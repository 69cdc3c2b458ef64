-- Two different people called 'Alex Kim' under the same manager; two people at the top.
INSERT INTO employees (id, name, manager_id) VALUES
    (10, 'Maria', NULL),
    (20, 'Olu', NULL),
    (11, 'Alex Kim', 10),
    (12, 'Alex Kim', 10),
    (13, 'Priya', 10),
    (21, 'Chen', 20),
    (22, 'Dana', 21),
    (23, 'Eli', 22);
