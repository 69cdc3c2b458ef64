-- Orders the window by id alone: back-dated entries (a later id, an earlier date) are added
-- at the wrong point.
SELECT account_id,
       tx_date,
       amount,
       SUM(amount) OVER (
           PARTITION BY account_id
           ORDER BY id
           ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
       ) AS balance
FROM transactions
ORDER BY account_id, tx_date, id;
