-- NULL emails (several of them), near-misses that are NOT duplicates, one exact pair.
INSERT INTO customers (id, name, email) VALUES
    (1, 'Lena Fischer', NULL),
    (2, 'Marco Rossi', NULL),
    (3, 'Nora Ali', NULL),
    (4, 'Omar Haddad', 'omar@example.com'),
    (5, 'Omar Haddad', 'omar@example.co'),
    (6, 'Pia Lund', 'pia.lund@example.se'),
    (7, 'Pia Lund', 'pialund@example.se'),
    (8, 'Quinn Doyle', 'quinn@example.ie'),
    (9, 'Quinn Doyle', 'quinn@example.ie'),
    (10, 'Rosa Diaz', ' Rosa@Example.MX'),
    (11, 'Rosa Diaz', 'rosa@example.mx'),
    (12, 'Rosa D.', 'ROSA@EXAMPLE.MX '),
    (13, 'Sami Virtanen', 'sami@example.fi');
