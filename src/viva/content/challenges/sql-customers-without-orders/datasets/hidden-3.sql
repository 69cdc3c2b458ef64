-- Namesakes: two customers called 'Ria Sen' without orders (both appear), a third with
-- one; a guest order.
INSERT INTO customers (id, name) VALUES
    (20, 'Ria Sen'),
    (21, 'Ria Sen'),
    (22, 'Ria Sen'),
    (23, 'Tom Ek');

INSERT INTO orders (id, customer_id, ordered_on, total) VALUES
    (401, 21, '2024-06-01', 12.00),
    (402, NULL, '2024-06-02', 3.50);
