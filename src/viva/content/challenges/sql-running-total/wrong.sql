-- Looks right, but ORDER BY tx_date alone uses the default RANGE frame:
-- every movement of the same day gets the day's closing balance.
SELECT account_id,
       tx_date,
       amount,
       SUM(amount) OVER (PARTITION BY account_id ORDER BY tx_date) AS balance
FROM transactions
ORDER BY account_id, tx_date, id;
