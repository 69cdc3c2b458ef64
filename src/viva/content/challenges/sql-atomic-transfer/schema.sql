CREATE TABLE accounts (
    id      INTEGER PRIMARY KEY,
    owner   TEXT NOT NULL,
    balance NUMERIC(12, 2) NOT NULL CHECK (balance >= 0)
);

-- Audit log: one row per transfer that happened.
CREATE TABLE transfers (
    id      INTEGER PRIMARY KEY,
    from_id INTEGER NOT NULL REFERENCES accounts (id),
    to_id   INTEGER NOT NULL REFERENCES accounts (id),
    amount  NUMERIC(12, 2) NOT NULL CHECK (amount > 0)
);
