-- Counts a column of the department side, which is never NULL: empty departments get 1.
SELECT d.name AS department,
       COUNT(d.id) AS employees
FROM departments AS d
LEFT JOIN employees AS e ON e.department_id = d.id
GROUP BY d.id, d.name;
