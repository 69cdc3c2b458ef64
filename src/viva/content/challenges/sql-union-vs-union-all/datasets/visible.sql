INSERT INTO customers (id, name, city) VALUES
    (1, 'Ana Lima', 'Lisbon'),
    (2, 'Bo Chen', 'Shanghai'),
    (3, 'Chidi Okafor', 'Lagos'),
    (4, 'Dana Weiss', 'Berlin'),
    (5, 'Eva Novak', 'Prague');

INSERT INTO suppliers (id, name, city) VALUES
    (1, 'Acme Tools', 'Chicago'),
    (2, 'Nordic Timber', 'Oslo'),
    (3, 'Sakura Parts', 'Osaka'),
    (4, 'Andes Coffee', 'Bogota'),
    (5, 'Delta Freight', 'Rotterdam');
