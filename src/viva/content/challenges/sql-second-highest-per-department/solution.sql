WITH distinct_salaries AS (
    SELECT DISTINCT department, salary
    FROM employees
    WHERE salary IS NOT NULL
),
ranked AS (
    SELECT department,
           salary,
           DENSE_RANK() OVER (PARTITION BY department ORDER BY salary DESC) AS salary_rank
    FROM distinct_salaries
)
SELECT department, salary
FROM ranked
WHERE salary_rank = 2;
