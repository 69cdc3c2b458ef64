CREATE TABLE orders (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL,
    order_date  TEXT NOT NULL,  -- ISO date 'YYYY-MM-DD'
    status      TEXT NOT NULL,  -- 'paid', 'pending', 'cancelled' or 'refunded'
    amount      NUMERIC(10, 2) NOT NULL
);
