-- Joins the wrong way round: pairs each employee with their direct reports.
SELECT e.name AS employee,
       m.name AS manager
FROM employees AS e
LEFT JOIN employees AS m ON m.manager_id = e.id;
