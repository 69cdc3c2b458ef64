-- Ranks whole units: salaries that differ only in cents share a rank (PostgreSQL rounds
-- the cast, SQLite truncates it).
WITH ranked AS (
    SELECT name,
           salary,
           DENSE_RANK() OVER (ORDER BY CAST(salary AS INTEGER) DESC) AS salary_rank
    FROM employees
    WHERE salary IS NOT NULL
)
SELECT name, salary, salary_rank
FROM ranked
WHERE salary_rank <= 3
ORDER BY salary_rank, name;
