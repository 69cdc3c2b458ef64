-- Cities that differ only by case or by a trailing space are different cities; a city of
-- a customer and of two suppliers; NULLs.
INSERT INTO customers (id, name, city) VALUES
    (1, 'Tariq Aziz', 'Paris'),
    (2, 'Uma Rao', 'Porto'),
    (3, 'Vera Lind', NULL),
    (4, 'Wim de Vries', 'Leiden');

INSERT INTO suppliers (id, name, city) VALUES
    (1, 'Seine Silk', 'paris'),
    (2, 'Douro Cork', 'Porto '),
    (3, 'Rijn Tiles', 'Leiden'),
    (4, 'Delft Blue', 'Leiden'),
    (5, 'Nowhere Inc', NULL);
