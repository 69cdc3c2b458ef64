-- Sorted by rank only: employees on the same salary come in whatever order the engine
-- stores or sorts them, not by name.
SELECT name, salary, salary_rank
FROM (
    SELECT name,
           salary,
           DENSE_RANK() OVER (ORDER BY salary DESC) AS salary_rank
    FROM employees
    WHERE salary IS NOT NULL
) AS ranked
WHERE salary_rank <= 3
ORDER BY salary_rank;
