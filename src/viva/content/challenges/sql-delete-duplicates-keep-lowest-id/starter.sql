DELETE FROM customers WHERE 1 = 0;
