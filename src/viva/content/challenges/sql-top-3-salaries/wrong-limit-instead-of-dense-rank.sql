-- LIMIT 3 keeps three rows, not three salaries: ties push the third salary out.
SELECT name,
       salary,
       DENSE_RANK() OVER (ORDER BY salary DESC) AS salary_rank
FROM employees
WHERE salary IS NOT NULL
ORDER BY salary_rank, name
LIMIT 3;
