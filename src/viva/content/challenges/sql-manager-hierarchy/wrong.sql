-- Handles the top of the hierarchy, but UNION removes duplicate rows:
-- two namesakes under the same manager collapse into one.
SELECT e.name AS employee, m.name AS manager
FROM employees AS e
JOIN employees AS m ON m.id = e.manager_id
UNION
SELECT name, NULL
FROM employees
WHERE manager_id IS NULL;
