-- Schema 7: the checks of the hash chain that cycles made. Before each
-- cycle the chain is checked for the cycle's report; re-hashing every row
-- of every cycle each time cost seconds per million rows, every cycle. A
-- cycle's commit now records the check made before it: the last cycle it
-- covered and that cycle's hash. The next cycle's check re-hashes only the
-- cycles after it and the link rows they wrote, and checks that the
-- recorded cycle still has the recorded hash and that the chain of cycle
-- hashes links up (CheckNew). journal verify re-hashes everything, as
-- before. The rows are outside the chain: they say what was checked, not
-- what a cycle decided.

CREATE TABLE checks (
    through INTEGER PRIMARY KEY,  -- the check covered cycles 1..through
    hash    TEXT    NOT NULL,     -- cycle through's hash then
    checked TEXT    NOT NULL,     -- when, RFC 3339
    rows_from INTEGER NOT NULL    -- the first cycle whose rows it re-hashed (1: all)
);
