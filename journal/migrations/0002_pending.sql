-- Schema 2: the pending imports of the links move out of the link rows.
-- Every cycle replaces the previous cycle's pending work, so while it lived
-- in the base document, clearing it rewrote every link the previous cycle
-- had touched (at a million links, a million rows per cycle). Now a link row
-- is rewritten only when its keys or base change, and each cycle adds one
-- pending row per link with pending work after it. Rows are only ever
-- added; the cycle's hash covers them.

CREATE TABLE pending (
    cycle INTEGER NOT NULL REFERENCES cycles (number),
    link  INTEGER NOT NULL,
    doc   TEXT    NOT NULL, -- {"pending_crm":{...},"pending_outlook":{...}}, as in the base document
    PRIMARY KEY (cycle, link)
) WITHOUT ROWID;

-- The number of pending rows a cycle wrote; NULL for the cycles of an older
-- contactsync, whose pending work is in the base of the link rows they
-- wrote. From the first cycle with a number on, pending work in a base is
-- ignored.
ALTER TABLE cycles ADD COLUMN pending_rows INTEGER;
