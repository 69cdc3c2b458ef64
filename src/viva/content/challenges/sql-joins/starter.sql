SELECT * FROM departments;
