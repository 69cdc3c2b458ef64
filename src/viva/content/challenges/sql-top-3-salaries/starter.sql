SELECT * FROM employees;
