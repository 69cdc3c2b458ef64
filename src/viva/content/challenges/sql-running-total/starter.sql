SELECT account_id, tx_date, amount
FROM transactions
ORDER BY account_id, tx_date, id;
