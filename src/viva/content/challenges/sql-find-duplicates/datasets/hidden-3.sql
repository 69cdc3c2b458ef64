-- Groups in which every spelling has spaces at the end (or at both ends): the address shown
-- must be trimmed on both sides whichever row the engine reads it from.
INSERT INTO customers (id, name, email) VALUES
    (1, 'Tomas Ruiz', 'tomas@example.es  '),
    (2, 'Tomas R.', 'TOMAS@example.es '),
    (3, 'Ulla Berg', '  ulla@example.se  '),
    (4, 'Ulla B.', 'Ulla@Example.SE '),
    (5, 'Ulla', ' ulla@example.se '),
    (6, 'Vik Rao', 'vik@example.in '),
    (7, 'Wen Li', NULL);

-- Near misses with a space inside: not the same address as any other row.
INSERT INTO customers (id, name, email) VALUES
    (8, 'Vik R.', 'v ik@example.in'),
    (9, 'Xu Ming', 'xu@example.cn'),
    (10, 'Xu M.', 'x u@example.cn');
