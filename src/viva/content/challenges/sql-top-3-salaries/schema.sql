CREATE TABLE employees (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    department TEXT NOT NULL,
    salary NUMERIC(10,2)
);
