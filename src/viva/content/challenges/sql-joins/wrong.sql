-- Keeps empty departments with the LEFT JOIN, but COUNT(*) counts the NULL-padded row:
-- an empty department reports 1 instead of 0.
SELECT d.name AS department,
       COUNT(*) AS employees
FROM departments AS d
LEFT JOIN employees AS e ON e.department_id = d.id
GROUP BY d.id, d.name;
