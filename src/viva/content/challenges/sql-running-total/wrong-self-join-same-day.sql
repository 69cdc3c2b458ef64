-- A correlated sum over every movement up to the same date: same-day movements all get the
-- day's closing balance.
SELECT t.account_id,
       t.tx_date,
       t.amount,
       (SELECT SUM(e.amount)
        FROM transactions AS e
        WHERE e.account_id = t.account_id AND e.tx_date <= t.tx_date) AS balance
FROM transactions AS t
ORDER BY t.account_id, t.tx_date, t.id;
