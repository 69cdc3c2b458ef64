-- Takes the top 3 ROWS, not the top 3 distinct salaries: ties are cut off and ranks are
-- row numbers.
SELECT name,
       salary,
       ROW_NUMBER() OVER (ORDER BY salary DESC) AS salary_rank
FROM employees
WHERE salary IS NOT NULL
ORDER BY salary DESC
LIMIT 3;
