-- Duplicates that differ only by surrounding spaces (and case); a triple; singles.
INSERT INTO customers (id, name, email) VALUES
    (1, 'Farah Khan', 'farah@example.com'),
    (2, 'Farah K.', '  farah@example.com'),
    (3, 'Farah Khan', 'Farah@Example.com  '),
    (4, 'Goran Petrovic', 'goran@example.org'),
    (5, 'Goran P.', 'goran@example.org '),
    (6, 'Hana Sato', 'hana@example.jp'),
    (7, 'Ivan Horvat', 'ivan@example.hr'),
    (8, 'Ivana Horvat', 'ivana@example.hr'),
    (9, 'Jon Berg', ' JON@EXAMPLE.NO'),
    (10, 'Jonas Berg', 'jon@example.no'),
    (11, 'Kai Meyer', 'kai@example.de');
