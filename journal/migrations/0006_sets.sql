-- Schema 6: a cycle's bulk rows as sets. A first cycle of a million links
-- wrote millions of rows into changes, link_writes and pending, each row
-- bound value by value and indexed: most of the commit's time and a third
-- of the journal. From this schema on a cycle writes them as sets: each
-- part of a set is one blob of up to about a megabyte holding many rows in
-- a compact binary form (sets.go), in the order the rows had (changes in
-- plan order, link writes and pending work in link order). The hash chain
-- is unchanged: it covers the rows a set holds exactly as it covered the
-- rows of the tables, which keep the rows of the cycles committed before.

CREATE TABLE sets (
    kind  TEXT    NOT NULL,    -- 'changes', 'link_writes' or 'pending'
    cycle INTEGER NOT NULL REFERENCES cycles (number),
    part  INTEGER NOT NULL,    -- 0, 1, 2, ... in row order
    data  BLOB    NOT NULL,
    PRIMARY KEY (kind, cycle, part)
);
