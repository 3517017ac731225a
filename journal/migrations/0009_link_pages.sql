-- Schema 9: the open links as Load reads them, in pages. A later cycle's
-- Load read every open link row for its keys, the header of its base (name
-- account, detached side) and its base_sum: at a million links some three
-- seconds of CPU, most of it SQLite making each row's text. A commit now
-- also writes what Load reads of the links open after its cycle, a few
-- thousand links to a page, each page one blob (pages.go); Load reads the
-- pages, and the link rows that the cycles after the pages' cycle wrote
-- (their link writes name them). A commit rewrites every page when the
-- rows written since the pages' cycle grow past an eighth of the open
-- links, or the pages are missing or do not read, so a cycle writes in
-- proportion to what it changed.
--
-- The pages are derived from the link rows, which stay what the hash
-- chain covers: journal verify checks that the pages and the rows written
-- after them give the same links as the rows alone, so a page edited or
-- left stale is found. Load counts the links against the last cycle's
-- open_links and reads the rows instead when the pages do not add up.
-- Journals of an earlier schema have no pages until their next commit.
CREATE TABLE link_pages (
    page  INTEGER PRIMARY KEY,                         -- 0, 1, 2, ... in link order
    cycle INTEGER NOT NULL REFERENCES cycles (number), -- the cycle whose open links they are
    links INTEGER NOT NULL,                            -- the links the page holds
    data  BLOB    NOT NULL
);
