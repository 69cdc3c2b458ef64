-- Several guest orders, a refund (negative total), same-name customers, many orders each.
INSERT INTO customers (id, name) VALUES
    (10, 'Lena Fischer'),
    (11, 'Marco Rossi'),
    (12, 'Lena Fischer'),
    (13, 'Nora Ali'),
    (14, 'Omar Haddad'),
    (15, 'Pia Lund'),
    (16, 'Quinn Doyle');

INSERT INTO orders (id, customer_id, ordered_on, total) VALUES
    (301, 11, '2024-05-01', 80.00),
    (302, 11, '2024-05-02', -80.00),
    (303, NULL, '2024-05-02', 14.00),
    (304, 10, '2024-05-03', 0.00),
    (305, 14, '2024-05-03', 55.40),
    (306, NULL, '2024-05-04', 9.10),
    (307, 14, '2024-05-05', 21.00),
    (308, 11, '2024-05-06', 64.30);
