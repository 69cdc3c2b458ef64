-- Numbers the ROWS of each department: when two people share the top salary, the "second"
-- row is the top salary again (and a department paying everyone the same gets a row).
SELECT department, salary
FROM (
    SELECT department,
           salary,
           ROW_NUMBER() OVER (PARTITION BY department ORDER BY salary DESC) AS rn
    FROM employees
    WHERE salary IS NOT NULL
) AS numbered
WHERE rn = 2;
