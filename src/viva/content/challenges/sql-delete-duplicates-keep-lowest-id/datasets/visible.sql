INSERT INTO customers (id, name, email) VALUES
    (1, 'Ana', 'ana@example.com'),
    (2, 'Ben', 'ben@example.com'),
    (3, 'Ana Silva', ' ANA@example.com '),
    (4, 'Cleo', 'cleo@example.com'),
    (5, 'Ben B.', 'Ben@Example.com'),
    (6, 'Dan', NULL),
    (7, 'Eve', 'eve@example.com'),
    (8, 'Ana S.', 'ana@example.com');
