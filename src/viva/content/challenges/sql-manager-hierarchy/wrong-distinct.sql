-- DISTINCT merges two namesakes under the same manager into one row.
SELECT DISTINCT e.name AS employee,
       m.name AS manager
FROM employees AS e
LEFT JOIN employees AS m ON m.id = e.manager_id;
