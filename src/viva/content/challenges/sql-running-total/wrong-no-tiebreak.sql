-- A ROWS frame, but the window is ordered by tx_date alone: movements of the same day are
-- summed in whatever order the engine reads them, not by id.
SELECT account_id,
       tx_date,
       amount,
       SUM(amount) OVER (
           PARTITION BY account_id
           ORDER BY tx_date
           ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
       ) AS balance
FROM transactions
ORDER BY account_id, tx_date, id;
