-- Cities shared by customers and suppliers, several customers in one city, NULL cities.
INSERT INTO customers (id, name, city) VALUES
    (1, 'Farah Khan', 'Karachi'),
    (2, 'Goran Petrovic', 'Belgrade'),
    (3, 'Hana Sato', 'Osaka'),
    (4, 'Ivan Horvat', 'Zagreb'),
    (5, 'Jon Berg', 'Oslo'),
    (6, 'Kai Meyer', NULL),
    (7, 'Lena Fischer', 'Zagreb'),
    (8, 'Marco Rossi', 'Osaka');

INSERT INTO suppliers (id, name, city) VALUES
    (1, 'Nordic Timber', 'Oslo'),
    (2, 'Sakura Parts', 'Osaka'),
    (3, 'Adriatic Salt', 'Zagreb'),
    (4, 'Unknown Ltd', NULL),
    (5, 'Indus Cotton', 'Karachi'),
    (6, 'Alpine Steel', 'Graz');
