-- The classic one: an inner join drops the departments without employees.
SELECT d.name AS department,
       COUNT(e.id) AS employees
FROM departments AS d
JOIN employees AS e ON e.department_id = d.id
GROUP BY d.id, d.name;
