-- The second ROW of the department, not the second distinct salary (and on PostgreSQL
-- NULLs sort first in descending order).
SELECT d.department,
       (SELECT e.salary
        FROM employees AS e
        WHERE e.department = d.department
        ORDER BY e.salary DESC
        LIMIT 1 OFFSET 1) AS salary
FROM (SELECT DISTINCT department FROM employees) AS d
WHERE (SELECT COUNT(*) FROM employees AS e WHERE e.department = d.department) > 1;
