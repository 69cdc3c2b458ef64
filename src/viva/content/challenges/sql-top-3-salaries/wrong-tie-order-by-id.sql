-- Right ranks, but ties are ordered by id instead of by name.
WITH ranked AS (
    SELECT id,
           name,
           salary,
           DENSE_RANK() OVER (ORDER BY salary DESC) AS salary_rank
    FROM employees
    WHERE salary IS NOT NULL
)
SELECT name, salary, salary_rank
FROM ranked
WHERE salary_rank <= 3
ORDER BY salary_rank, id;
