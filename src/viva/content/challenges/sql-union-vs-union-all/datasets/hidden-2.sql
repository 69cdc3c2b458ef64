-- Many rows for one city on both sides, NULL cities on both sides, a similar name (New Cairo).
INSERT INTO customers (id, name, city) VALUES
    (1, 'Nora Ali', NULL),
    (2, 'Omar Haddad', 'Cairo'),
    (3, 'Pia Lund', NULL),
    (4, 'Quinn Doyle', 'Dublin'),
    (5, 'Rosa Diaz', 'Cairo'),
    (6, 'Sami Virtanen', 'Dublin');

INSERT INTO suppliers (id, name, city) VALUES
    (1, 'Nile Cargo', 'Cairo'),
    (2, 'Pharaoh Paper', 'Cairo'),
    (3, 'Sphinx Stone', 'Cairo'),
    (4, 'Liffey Linen', NULL),
    (5, 'Giza Glass', 'New Cairo');
