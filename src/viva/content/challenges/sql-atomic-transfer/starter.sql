-- Move 100.00 from account 1 to account 2 and record it in transfers, atomically.
BEGIN;

COMMIT;
