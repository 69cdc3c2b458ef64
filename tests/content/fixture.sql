-- Fixture schema and data that SQL blocks in model answers run against.
-- Portable: runs unchanged on SQLite (>= 3.39) and PostgreSQL (>= 15).
CREATE TABLE departments (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE employees (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT,
    department_id INTEGER REFERENCES departments (id),
    manager_id INTEGER REFERENCES employees (id),
    salary NUMERIC(10, 2),
    hired_on DATE
);
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    city TEXT
);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER REFERENCES customers (id),
    amount NUMERIC(10, 2) NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    owner TEXT NOT NULL,
    balance NUMERIC(12, 2) NOT NULL CHECK (balance >= 0)
);
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL
);

INSERT INTO departments (id, name) VALUES
    (1, 'Engineering'), (2, 'Sales'), (3, 'Support'), (4, 'Legal');

-- Salaries include ties (90000 twice, 70000 twice) and one NULL; one employee
-- has no department; Legal has no employees.
INSERT INTO employees (id, name, email, department_id, manager_id, salary, hired_on) VALUES
    (1, 'Asha', 'asha@example.com', 1, NULL, 120000, '2019-03-01'),
    (2, 'Ben', 'ben@example.com', 1, 1, 90000, '2020-06-15'),
    (3, 'Chen', 'chen@example.com', 1, 1, 90000, '2021-01-10'),
    (4, 'Dara', 'dara@example.com', 2, 1, 70000, '2021-09-01'),
    (5, 'Eli', 'eli@example.com', 2, 4, 70000, '2022-02-20'),
    (6, 'Fay', 'fay@example.com', 3, 1, 55000, '2023-05-05'),
    (7, 'Gus', NULL, NULL, 1, 60000, '2024-01-08'),
    (8, 'Hana', 'hana@example.com', 3, 6, NULL, '2025-07-01');

-- Two customers share an email (a duplicate); customer 4 has no orders.
INSERT INTO customers (id, name, email, city) VALUES
    (1, 'Acme Ltd', 'ops@acme.test', 'Pune'),
    (2, 'Bolt Inc', 'hi@bolt.test', 'Berlin'),
    (3, 'Acme Limited', 'ops@acme.test', 'Pune'),
    (4, 'Cove LLC', 'team@cove.test', NULL),
    (5, 'Dune Co', 'dune@dune.test', 'Austin');

INSERT INTO orders (id, customer_id, amount, status, created_at) VALUES
    (1, 1, 250.00, 'paid', '2026-01-05 10:00:00'),
    (2, 1, 99.50, 'paid', '2026-01-20 12:30:00'),
    (3, 2, 1200.00, 'pending', '2026-02-01 09:15:00'),
    (4, 3, 40.00, 'cancelled', '2026-02-14 18:45:00'),
    (5, 5, 310.25, 'paid', '2026-03-03 08:00:00'),
    (6, 2, 75.00, 'paid', '2026-03-10 16:20:00');

INSERT INTO accounts (id, owner, balance) VALUES
    (1, 'alice', 500.00), (2, 'bob', 100.00);

INSERT INTO users (id, username, role) VALUES
    (1, 'admin', 'admin'), (2, 'ivy', 'interviewer'), (3, 'cam', 'candidate');
