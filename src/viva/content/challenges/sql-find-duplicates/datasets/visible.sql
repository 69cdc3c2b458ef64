INSERT INTO customers (id, name, email) VALUES
    (1, 'Ana Lima', 'ana@example.com'),
    (2, 'Bo Chen', 'bo@example.com'),
    (3, 'Ana L.', 'ANA@example.com'),
    (4, 'Chidi Okafor', 'chidi@example.org'),
    (5, 'Dana Weiss', 'dana@example.net'),
    (6, 'Bo Chen', 'Bo@Example.com'),
    (7, 'Eva Novak', 'eva@example.com'),
    (8, 'Ana Lima', 'ana@EXAMPLE.com');
