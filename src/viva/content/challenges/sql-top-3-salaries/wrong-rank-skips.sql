-- RANK skips ranks after a tie (1, 1, 3): the third distinct salary gets rank 4 and is lost.
WITH ranked AS (
    SELECT name,
           salary,
           RANK() OVER (ORDER BY salary DESC) AS salary_rank
    FROM employees
    WHERE salary IS NOT NULL
)
SELECT name, salary, salary_rank
FROM ranked
WHERE salary_rank <= 3
ORDER BY salary_rank, name;
