-- Several NULL emails (all stay); the kept row is the one with the messy spelling;
-- rows inserted out of id order.
INSERT INTO customers (id, name, email) VALUES
    (15, 'Zoe Z.', 'zoe@mail.com'),
    (10, 'Zoe', '  Zoe@Mail.COM'),
    (11, 'Yan', NULL),
    (12, 'Xia', 'xia@mail.com'),
    (13, 'Walt', NULL),
    (14, 'Vera', 'VERA@mail.com   '),
    (16, 'Vera V.', 'vera@mail.com'),
    (17, 'Uma', NULL),
    (18, 'Zoe again', 'ZOE@MAIL.COM'),
    (19, 'Tom', 'tom@mail.com');
