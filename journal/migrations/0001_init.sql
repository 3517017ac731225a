-- Schema 1: the cycles, everything each cycle decided, and the links with
-- their base. Rows are only ever added, except links, whose one row per link
-- is rewritten by the cycles that change it; link_writes keeps the hash of
-- every version a cycle wrote, so the hash chain covers links too.

CREATE TABLE cycles (
    number       INTEGER PRIMARY KEY,  -- 1, 2, 3, ... without gaps
    kind         TEXT    NOT NULL,     -- "sync"
    status       TEXT    NOT NULL,     -- "committed" (a failed cycle writes nothing)
    started      TEXT    NOT NULL,     -- RFC 3339 with the offset of the run
    finished     TEXT    NOT NULL,
    sync_user    TEXT    NOT NULL,     -- the syncing CRM user (Policy.User)
    run_by       TEXT    NOT NULL,     -- who ran the tool
    tool_version TEXT    NOT NULL,
    mapping      TEXT    NOT NULL,     -- engine.MappingText of the cycle
    prefer       TEXT    NOT NULL,
    direction    TEXT    NOT NULL,
    options      TEXT    NOT NULL,     -- JSON object: flag -> value
    counts       TEXT    NOT NULL,     -- JSON of engine.Counts
    out_dir      TEXT    NOT NULL,
    next_link_id INTEGER NOT NULL,
    open_links   INTEGER NOT NULL,     -- links open after the cycle
    prev_hash    TEXT    NOT NULL,     -- hash of cycle number-1, "" for cycle 1
    hash         TEXT    NOT NULL      -- sha256 over this cycle's rows and prev_hash
);

CREATE TABLE files (
    cycle  INTEGER NOT NULL REFERENCES cycles (number),
    seq    INTEGER NOT NULL,
    role   TEXT    NOT NULL,           -- "input", "output", ... as the caller names it
    path   TEXT    NOT NULL,
    sha256 TEXT    NOT NULL,
    size   INTEGER NOT NULL,
    PRIMARY KEY (cycle, seq)
);

CREATE TABLE changes (
    cycle INTEGER NOT NULL REFERENCES cycles (number),
    seq   INTEGER NOT NULL,            -- order in the plan
    link  INTEGER NOT NULL,            -- 0 when the change concerns no link
    side  TEXT    NOT NULL,
    op    TEXT    NOT NULL,
    field TEXT    NOT NULL,
    old   TEXT    NOT NULL,
    new   TEXT    NOT NULL,
    rule  TEXT    NOT NULL,
    name  TEXT    NOT NULL,
    PRIMARY KEY (cycle, seq)
) WITHOUT ROWID; -- append-only in key order: one B-tree instead of two, ~15% faster inserts
CREATE INDEX changes_link ON changes (link, cycle);

CREATE TABLE conflicts (
    cycle        INTEGER NOT NULL REFERENCES cycles (number),
    seq          INTEGER NOT NULL,
    link         INTEGER NOT NULL,
    field        TEXT    NOT NULL,
    base         TEXT    NOT NULL,
    crm          TEXT    NOT NULL,
    outlook      TEXT    NOT NULL,
    crm_time     TEXT    NOT NULL,     -- RFC 3339, "" when unknown
    outlook_time TEXT    NOT NULL,
    winner       TEXT    NOT NULL,
    rule         TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    PRIMARY KEY (cycle, seq)
);
CREATE INDEX conflicts_link ON conflicts (link, cycle);

CREATE TABLE notices (
    cycle   INTEGER NOT NULL REFERENCES cycles (number),
    seq     INTEGER NOT NULL,
    kind    TEXT    NOT NULL,
    link    INTEGER NOT NULL,
    message TEXT    NOT NULL,
    PRIMARY KEY (cycle, seq)
);

-- One row per link. base holds the mapped values, the account made from the
-- contact's name and the pending imports of both sides as one JSON document
-- (see base.go); base_sha256 is its hash.
CREATE TABLE links (
    id          INTEGER PRIMARY KEY,
    crm_id      TEXT    NOT NULL,
    outlook_key TEXT    NOT NULL,
    base        TEXT    NOT NULL,
    base_sha256 TEXT    NOT NULL,
    opened      INTEGER NOT NULL REFERENCES cycles (number),
    written     INTEGER NOT NULL REFERENCES cycles (number), -- last cycle that wrote the row
    closed      INTEGER          REFERENCES cycles (number)  -- NULL while open
);

-- The hash of every link row version a cycle wrote.
CREATE TABLE link_writes (
    cycle  INTEGER NOT NULL REFERENCES cycles (number),
    link   INTEGER NOT NULL,
    sha256 TEXT    NOT NULL,
    PRIMARY KEY (cycle, link)
) WITHOUT ROWID;
