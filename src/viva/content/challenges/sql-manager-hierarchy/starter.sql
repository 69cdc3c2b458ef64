SELECT name AS employee, manager_id AS manager
FROM employees;
