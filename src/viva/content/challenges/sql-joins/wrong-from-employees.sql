-- Starts from employees: empty departments are lost and the unassigned employees form a
-- NULL "department".
SELECT d.name AS department,
       COUNT(e.id) AS employees
FROM employees AS e
LEFT JOIN departments AS d ON d.id = e.department_id
GROUP BY d.id, d.name;
