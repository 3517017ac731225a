package journal

import (
	"cmp"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"contactsync/engine"
)

// VerifyError says where the journal stopped matching its hash chain.
type VerifyError struct {
	Path  string
	Cycle int    // the first cycle whose rows do not match
	Link  int64  // the link row that does not match, when the problem is a link
	Table string // the table of the row at fault, when one row is
	Row   string // that row's key ("seq 3", "link 12", "version 2")
	What  string
}

func (e *VerifyError) Error() string {
	where := fmt.Sprintf("cycle %d", e.Cycle)
	if e.Table != "" {
		where += ", table " + e.Table
		if e.Row != "" {
			where += " " + e.Row
		}
	}
	if e.Link != 0 && !strings.Contains(e.Row, "link") {
		where += fmt.Sprintf(", link %d", e.Link)
	}
	return fmt.Sprintf("journal %q fails verification at %s: %s", e.Path, where, e.What)
}

// Verify recomputes the hash chain of every cycle from its rows, then checks
// every link row against the hash its last writing cycle recorded and its
// base against its sha256. The error names the first cycle that does not
// match; it is a *VerifyError when the journal was edited.
func (j *Journal) Verify() error {
	tx, err := j.db.Begin()
	if err != nil {
		return fmt.Errorf("verify journal %q: %w", j.path, err)
	}
	defer tx.Rollback()
	if err := j.verifyMigrations(tx); err != nil {
		return err
	}
	last, err := j.verifyCycles(tx)
	if err != nil {
		return err
	}
	if err := j.verifyOrphans(tx); err != nil {
		return err
	}
	if err := j.verifyLinks(tx, last); err != nil {
		return err
	}
	return j.verifyPages(tx, last)
}

// verifyMigrations checks schema_migrations against the migrations this
// build knows: same versions, same names. The rows are outside the hash
// chain, so they are compared with what they must be.
func (j *Journal) verifyMigrations(tx *sql.Tx) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	k := 0
	err = each(tx, `SELECT version, name FROM schema_migrations WHERE ? ORDER BY version`, 1, func(rs *sql.Rows) error {
		var v int
		var name string
		if err := rs.Scan(&v, &name); err != nil {
			return err
		}
		row := fmt.Sprintf("version %d", v)
		switch {
		case k >= len(ms):
			return &VerifyError{Path: j.path, Table: "schema_migrations", Row: row, What: fmt.Sprintf("a migration this contactsync does not have (%q)", name)}
		case v != ms[k].version:
			return &VerifyError{Path: j.path, Table: "schema_migrations", Row: fmt.Sprintf("version %d", ms[k].version), What: "the migration's row is missing"}
		case name != ms[k].name:
			return &VerifyError{Path: j.path, Table: "schema_migrations", Row: row, What: fmt.Sprintf("the migration is named %q, not %q (renamed after the fact)", name, ms[k].name)}
		}
		k++
		return nil
	})
	if err != nil {
		return err
	}
	if k != len(ms) {
		return &VerifyError{Path: j.path, Table: "schema_migrations", Row: fmt.Sprintf("version %d", ms[k].version), What: "the migration's row is missing"}
	}
	return nil
}

// verifyOrphans finds rows filed under a cycle that does not exist: an
// insertion after the fact, or what is left of a cycle whose row was
// deleted.
func (j *Journal) verifyOrphans(tx *sql.Tx) error {
	for _, q := range []struct{ table, row, query string }{
		{"files", "seq", `SELECT cycle AS c, seq AS k FROM files`},
		{"changes", "seq", `SELECT cycle AS c, seq AS k FROM changes`},
		{"conflicts", "seq", `SELECT cycle AS c, seq AS k FROM conflicts`},
		{"notices", "seq", `SELECT cycle AS c, seq AS k FROM notices`},
		{"link_writes", "link", `SELECT cycle AS c, link AS k FROM link_writes`},
		{"pending", "link", `SELECT cycle AS c, link AS k FROM pending`},
		{"link_history", "link", `SELECT cycle AS c, link AS k FROM link_history`},
		{"sets", "part", `SELECT cycle AS c, part AS k FROM sets`},
		{"checks", "through", `SELECT through AS c, through AS k FROM checks`},
		{"link_pages", "page", `SELECT cycle AS c, page AS k FROM link_pages`},
		{"links", "link", `SELECT opened AS c, id AS k FROM links UNION ALL SELECT written, id FROM links UNION ALL SELECT closed, id FROM links WHERE closed IS NOT NULL`},
	} {
		var cycle int
		var key int64
		err := tx.QueryRow(`SELECT c, k FROM (`+q.query+`) WHERE c NOT IN (SELECT number FROM cycles) ORDER BY c, k LIMIT 1`).Scan(&cycle, &key)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			return fmt.Errorf("verify journal %q: %s: %w", j.path, q.table, err)
		}
		return j.orphanRow(q.table, q.row, cycle, key)
	}
	return nil
}

// verifyCycles checks the chain and returns the last cycle (nil for none).
func (j *Journal) verifyCycles(tx *sql.Tx) (*cycleRow, error) {
	rows, err := tx.Query(`SELECT ` + cycleColumns + ` FROM cycles ORDER BY number`)
	if err != nil {
		return nil, fmt.Errorf("verify journal %q: %w", j.path, err)
	}
	var cycles []cycleRow
	for rows.Next() {
		var r cycleRow
		if err := rows.Scan(r.dest()...); err != nil {
			rows.Close()
			return nil, fmt.Errorf("verify journal %q: %w", j.path, err)
		}
		cycles = append(cycles, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("verify journal %q: %w", j.path, err)
	}
	prev := ""
	for i := range cycles {
		r := &cycles[i]
		bad := func(what string, args ...any) error {
			return &VerifyError{Path: j.path, Cycle: r.Number, What: fmt.Sprintf(what, args...)}
		}
		if r.Number != i+1 {
			return nil, &VerifyError{Path: j.path, Cycle: i + 1, Table: "cycles", Row: fmt.Sprintf("number %d", i+1), What: fmt.Sprintf("cycle %d is missing (the next one is %d)", i+1, r.Number)}
		}
		if r.PrevHash != prev {
			return nil, bad("its link to cycle %d's hash is broken (a cycle was edited, removed or replaced)", r.Number-1)
		}
		sum, err := cycleSum(tx, r)
		if errors.Is(err, errSet) {
			return nil, &VerifyError{Path: j.path, Cycle: r.Number, Table: "sets", What: fmt.Sprintf("a set of its rows does not read (edited after commit): %v", err)}
		}
		if err != nil {
			return nil, fmt.Errorf("verify journal %q: cycle %d: %w", j.path, r.Number, err)
		}
		if sum != r.Hash {
			return nil, bad("its rows do not match its hash (changes, conflicts, notices, files, counts, link writes, pending work or link history were edited after commit)")
		}
		prev = r.Hash
	}
	if len(cycles) == 0 {
		return nil, nil
	}
	return &cycles[len(cycles)-1], nil
}

// cycleSum recomputes the hash of one cycle from its rows, in the order
// Commit hashed them.
func cycleSum(tx *sql.Tx, r *cycleRow) (string, error) {
	c := newChain()
	c.header(r)
	n := r.Number
	if err := each(tx, `SELECT seq, role, path, sha256, size FROM files WHERE cycle = ? ORDER BY seq`, n, func(rs *sql.Rows) error {
		var seq int
		var f FileHash
		if err := rs.Scan(&seq, &f.Role, &f.Path, &f.SHA256, &f.Size); err != nil {
			return err
		}
		c.file(seq, f)
		return nil
	}); err != nil {
		return "", err
	}
	if err := each(tx, `SELECT seq, link, side, op, field, old, new, rule, name FROM changes WHERE cycle = ? ORDER BY seq`, n, func(rs *sql.Rows) error {
		var seq int
		var side string // as stored: a tampered side is a hash mismatch, not a read error
		var x engine.Change
		if err := rs.Scan(&seq, &x.Link, &side, &x.Op, &x.Field, &x.Old, &x.New, &x.Rule, &x.Name); err != nil {
			return err
		}
		c.change(seq, side, &x)
		return nil
	}); err != nil {
		return "", err
	}
	if err := eachSetChange(tx, n, n, func(_, seq int, side string, x *engine.Change) error {
		c.change(seq, side, x)
		return nil
	}); err != nil {
		return "", err
	}
	if err := each(tx, `SELECT seq, link, field, base, crm, outlook, crm_time, outlook_time, winner, rule, name
		FROM conflicts WHERE cycle = ? ORDER BY seq`, n, func(rs *sql.Rows) error {
		var seq int
		var x conflictRow
		if err := rs.Scan(&seq, &x.link, &x.field, &x.base, &x.crm, &x.outlook, &x.crmTime, &x.outlookTime, &x.winner, &x.rule, &x.name); err != nil {
			return err
		}
		c.conflict(seq, &x)
		return nil
	}); err != nil {
		return "", err
	}
	if err := each(tx, `SELECT seq, kind, link, message FROM notices WHERE cycle = ? ORDER BY seq`, n, func(rs *sql.Rows) error {
		var seq int
		var kind, msg string
		var link int64
		if err := rs.Scan(&seq, &kind, &link, &msg); err != nil {
			return err
		}
		c.notice(seq, kind, link, msg)
		return nil
	}); err != nil {
		return "", err
	}
	var ws []linkWrite
	if err := eachLinkWrite(tx, n, func(w linkWrite) error {
		ws = append(ws, w)
		return nil
	}); err != nil {
		return "", err
	}
	c.linkWrites(ws)
	var pending []pendingRow
	if r.PendingRows.Valid {
		if err := eachPending(tx, n, func(p pendingRow) error {
			pending = append(pending, p)
			return nil
		}); err != nil {
			return "", err
		}
	}
	c.pending(r.PendingRows, pending)
	var history []historyRow
	if r.HistoryRows.Valid {
		if err := each(tx, `SELECT link, crm_id, outlook_key, base, written FROM link_history WHERE cycle = ? ORDER BY link`, n, func(rs *sql.Rows) error {
			var h historyRow
			err := rs.Scan(&h.link, &h.crmID, &h.outlookKey, &h.base, &h.written)
			history = append(history, h)
			return err
		}); err != nil {
			return "", err
		}
	}
	c.history(r.HistoryRows, history)
	return c.sum(), nil
}

// verifyLinks checks every link row against the hash its last writing
// cycle recorded, and its base: a compact row's base must decode and have
// its base_sum (the engine trusts the sum to skip unchanged links), a JSON
// row's base must match its base_sha256.
func (j *Journal) verifyLinks(tx *sql.Tx, last *cycleRow) error {
	if last == nil {
		_, err := j.verifyLinkRows(tx, nil, nil)
		return err
	}
	if last.NextLinkID < 1 || last.NextLinkID > 1<<40 {
		return &VerifyError{Path: j.path, Cycle: last.Number, Table: "cycles", Row: fmt.Sprintf("number %d", last.Number), What: fmt.Sprintf("next link id %d", last.NextLinkID)}
	}
	// The hashes every cycle recorded, in cycle order; each cycle's in
	// link order.
	ws := make([][]linkWrite, last.Number+1)
	for n := 1; n <= last.Number; n++ {
		if err := eachLinkWrite(tx, n, func(w linkWrite) error {
			ws[n] = append(ws[n], w)
			return nil
		}); errors.Is(err, errSet) {
			return &VerifyError{Path: j.path, Cycle: n, Table: "sets", What: fmt.Sprintf("a set of its rows does not read (edited after commit): %v", err)}
		} else if err != nil {
			return fmt.Errorf("verify journal %q: cycle %d: %w", j.path, n, err)
		}
	}
	written := make([]int32, last.NextLinkID) // link → the cycle that wrote its row
	open, err := j.verifyLinkRows(tx, ws, written)
	if err != nil {
		return err
	}
	// Every link a cycle wrote must still have its row, last written by the
	// last cycle that wrote it.
	seen := make([]bool, len(written))
	for n := last.Number; n >= 1; n-- {
		for _, w := range ws[n] {
			if w.link >= 1 && w.link < int64(len(seen)) && seen[w.link] {
				continue
			}
			if w.link >= 1 && w.link < int64(len(seen)) {
				seen[w.link] = true
			}
			if w.link < 1 || w.link >= int64(len(written)) || written[w.link] != int32(n) {
				return &VerifyError{Path: j.path, Cycle: n, Link: w.link, Table: "links", Row: fmt.Sprintf("link %d", w.link), What: "the link row this cycle wrote is missing or was rewritten after commit"}
			}
		}
	}
	if open != last.OpenLinks {
		return &VerifyError{Path: j.path, Cycle: last.Number, Table: "links", What: fmt.Sprintf("the journal has %d open links, the cycle left %d", open, last.OpenLinks)}
	}
	return nil
}

// verifyLinkRows checks each link row against the hash ws (by cycle, in
// link order) holds for it, and its base; it fills written with the
// cycle that wrote each row (indexed by link id, which is below the last
// cycle's next link id) and checks the open links against the last
// cycle's count.
func (j *Journal) verifyLinkRows(tx *sql.Tx, ws [][]linkWrite, written []int32) (open int64, err error) {
	rows, err := tx.Query(`SELECT id, crm_id, outlook_key, base, base_sha256, base_sum, opened, written, coalesce(closed, 0) FROM links ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("verify journal %q: %w", j.path, err)
	}
	defer rows.Close()
	c := newChain()
	var r linkRow
	for rows.Next() {
		r = linkRow{}
		if err := rows.Scan(&r.id, &r.crmID, &r.outlookKey, &r.base, &r.baseSHA, &r.baseSum, &r.opened, &r.written, &r.closed); err != nil {
			return 0, fmt.Errorf("verify journal %q: %w", j.path, err)
		}
		recorded, found := "", false
		if r.written >= 1 && r.written < len(ws) {
			recorded, found = recordedSum(ws[r.written], r.id)
		}
		if err := j.checkLinkRow(c, &r, recorded, found, true); err != nil {
			return 0, err
		}
		if r.id < 1 || r.id >= int64(len(written)) {
			return 0, &VerifyError{Path: j.path, Cycle: r.written, Link: r.id, Table: "links", Row: fmt.Sprintf("link %d", r.id), What: "the link's id is not one the journal gave (inserted after commit)"}
		}
		written[r.id] = int32(r.written)
		if r.closed == 0 {
			open++
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("verify journal %q: %w", j.path, err)
	}
	return open, nil
}

// recordedSum finds link id's hash in a cycle's link writes (in link
// order).
func recordedSum(ws []linkWrite, id int64) (string, bool) {
	k, ok := slices.BinarySearchFunc(ws, id, func(x linkWrite, id int64) int { return cmp.Compare(x.link, id) })
	if !ok {
		return "", false
	}
	return ws[k].sum, true
}

// checkLinkRow checks a link row against the hash its cycle recorded
// (found: recorded one) and its base: a JSON row's base must match its
// base_sha256 and, when full, a compact row's base must decode and have
// its base_sum (the engine trusts the sum to skip unchanged links; the
// row's hash covers both as the commit wrote them, so this checks the
// commit rather than what happened after it).
func (j *Journal) checkLinkRow(c *chain, r *linkRow, recorded string, found, full bool) error {
	bad := func(what string) error {
		return &VerifyError{Path: j.path, Cycle: r.written, Link: r.id, Table: "links", Row: fmt.Sprintf("link %d", r.id), What: what}
	}
	if r.compact() && !full {
		// The row's hash covers it.
	} else if r.compact() {
		var l engine.Link
		if !isCompact(string(r.base)) || decodeCompactBase(string(r.base), &l) != nil {
			return bad("the link's base is not a readable compact base (edited after commit)")
		}
		if s := engine.SumValues(l.Base); string(s[:]) != string(r.baseSum) {
			return bad("the link's base_sum is not the sum of its base (edited after commit)")
		}
	} else {
		bs := sha256.Sum256(r.base)
		if hex.EncodeToString(bs[:]) != r.baseSHA {
			return bad("the link's base does not match its sha256 (edited after commit)")
		}
	}
	if !found {
		return bad("the cycle that last wrote the link row recorded no hash for it (row added or moved after commit)")
	}
	if !r.matches(c, recorded) {
		return bad("the link row does not match the hash its cycle recorded (edited after commit)")
	}
	return nil
}

// each runs query with one argument and calls fn for every row.
func each(tx *sql.Tx, query string, arg any, fn func(*sql.Rows) error) error {
	return eachRow(tx, query, []any{arg}, fn)
}

// eachQ is each on a transaction or the database.
func eachQ(q querier, query string, arg any, fn func(*sql.Rows) error) error {
	return eachRow(q, query, []any{arg}, fn)
}

// eachRow runs query with args and calls fn for every row.
func eachRow(q querier, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := q.Query(query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Anchor is what an output folder recorded of the journal after its
// cycle's commit: the chain head (the cycle's hash) and the chain it
// belongs to (cycle 1's hash). The last cycle cannot be proven from the
// journal alone, since deleting it with its rows leaves a consistent
// chain; the output folders, kept elsewhere, can prove it.
type Anchor struct {
	Dir   string // the output folder
	Cycle int
	Head  string // "" when the folder was written before its commit finished
}

// Head returns the number and hash of the last cycle (0, "" before the
// first): the chain head, which sync prints and writes into the output
// folder.
func (j *Journal) Head() (int, string, error) {
	n, h, err := lastCycle(j.db)
	if err != nil {
		return 0, "", fmt.Errorf("journal %q: %w", j.path, err)
	}
	return n, h, nil
}

// CycleHash returns the hash of cycle n, and false when the journal has
// no such cycle.
func (j *Journal) CycleHash(n int) (string, bool, error) {
	var h string
	err := j.db.QueryRow(`SELECT hash FROM cycles WHERE number = ?`, n).Scan(&h)
	if err == sql.ErrNoRows {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("journal %q: %w", j.path, err)
	}
	return h, true, nil
}

// VerifyAnchors checks the journal against what output folders recorded:
// a folder whose cycle the journal lacks, or whose chain head differs from
// that cycle's hash, fails.
func (j *Journal) VerifyAnchors(anchors []Anchor) error {
	for _, a := range anchors {
		h, ok, err := j.CycleHash(a.Cycle)
		if err != nil {
			return err
		}
		row := fmt.Sprintf("number %d", a.Cycle)
		if !ok {
			return &VerifyError{Path: j.path, Cycle: a.Cycle, Table: "cycles", Row: row,
				What: fmt.Sprintf("output folder %q holds the outputs of cycle %d, which the journal does not have (deleted after the fact)", a.Dir, a.Cycle)}
		}
		if a.Head != "" && a.Head != h {
			return &VerifyError{Path: j.path, Cycle: a.Cycle, Table: "cycles", Row: row,
				What: fmt.Sprintf("output folder %q recorded the chain head %s after the commit of cycle %d, but the journal's cycle %d has hash %s (replaced after the fact)", a.Dir, a.Head, a.Cycle, a.Cycle, h)}
		}
	}
	return nil
}

// orphanRow is the error of a row of table, keyed row (its kind) and key,
// filed under a cycle the journal does not have.
func (j *Journal) orphanRow(table, row string, cycle int, key int64) *VerifyError {
	e := &VerifyError{Path: j.path, Cycle: cycle, Table: table, Row: fmt.Sprintf("%s %d", row, key),
		What: fmt.Sprintf("the row is filed under cycle %d, which the journal does not have (inserted after the fact, or left by a deleted cycle)", cycle)}
	if row == "link" {
		e.Link = key
	}
	return e
}
