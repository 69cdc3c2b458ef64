-- An inner join loses the people at the top (they have no manager row to join).
SELECT e.name AS employee,
       m.name AS manager
FROM employees AS e
JOIN employees AS m ON m.id = e.manager_id;
