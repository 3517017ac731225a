-- Schema 3: the link rows a cycle replaced. Commit rewrites a link's one
-- row in place, so until now the base a link had before a cycle was gone
-- once the cycle committed. Undoing a cycle needs it: each cycle now keeps
-- the previous version of every link row it rewrote or closed (a link the
-- cycle opened has none). Rows are only ever added; the cycle's hash
-- covers them.

CREATE TABLE link_history (
    cycle       INTEGER NOT NULL REFERENCES cycles (number),
    link        INTEGER NOT NULL,
    crm_id      TEXT    NOT NULL,
    outlook_key TEXT    NOT NULL,
    base        TEXT    NOT NULL,  -- the base document as it was before the cycle
    written     INTEGER NOT NULL,  -- the cycle that had written that version
    PRIMARY KEY (cycle, link)
) WITHOUT ROWID;
CREATE INDEX link_history_link ON link_history (link, cycle);

-- The number of link_history rows a cycle wrote; NULL for the cycles of an
-- older contactsync, which kept no history and cannot be undone.
ALTER TABLE cycles ADD COLUMN history_rows INTEGER;
