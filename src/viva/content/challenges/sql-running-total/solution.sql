SELECT account_id,
       tx_date,
       amount,
       SUM(amount) OVER (
           PARTITION BY account_id
           ORDER BY tx_date, id
           ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
       ) AS balance
FROM transactions
ORDER BY account_id, tx_date, id;
