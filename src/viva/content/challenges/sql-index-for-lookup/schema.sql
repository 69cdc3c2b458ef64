CREATE TABLE orders (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL,
    status      TEXT NOT NULL,  -- 'paid', 'pending', 'cancelled', 'refunded'
    created_at  TEXT NOT NULL,  -- ISO date 'YYYY-MM-DD'
    amount      NUMERIC(10, 2) NOT NULL
);
