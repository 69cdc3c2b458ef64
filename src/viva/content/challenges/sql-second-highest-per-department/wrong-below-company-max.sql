-- Compares with the company's highest salary instead of the department's.
SELECT department, MAX(salary) AS salary
FROM employees
WHERE salary < (SELECT MAX(salary) FROM employees)
GROUP BY department;
