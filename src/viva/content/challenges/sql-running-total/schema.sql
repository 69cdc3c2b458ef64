CREATE TABLE transactions (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    tx_date    DATE NOT NULL,
    amount     NUMERIC(12, 2) NOT NULL
);
