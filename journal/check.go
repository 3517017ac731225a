package journal

import (
	"cmp"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// Check is what CheckNew covered.
type Check struct {
	// Cycles is the number of cycles whose chain of hashes was checked
	// (1..Cycles): each cycle's link to the hash of the one before.
	Cycles int
	// From is the first cycle whose rows were re-hashed now (From..Cycles);
	// Cycles+1 when none was new.
	From int
	// Links is the number of link rows checked against their hashes: those
	// the cycles From..Cycles wrote that are still as they wrote them.
	Links int
	// Before is the earlier check this one builds on, recorded by the
	// commit of the cycle after it; zero when none (then every row was
	// re-hashed: From is 1).
	Before CheckRecord
}

// CheckRecord is a check a cycle's commit recorded.
type CheckRecord struct {
	Through int       // the check covered cycles 1..Through
	Hash    string    // cycle Through's hash then
	Checked time.Time // when
	From    int       // the first cycle whose rows it re-hashed
	// AtCommit: the commit of cycle Through recorded it, having hashed
	// the rows it wrote as it wrote them, after a check of the cycles
	// before (schema 8).
	AtCommit bool
}

// String says in one line what the check covered.
func (c *Check) String() string {
	if c.Cycles == 0 {
		return "no cycles yet"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "the chain of hashes of %s links up", cycleRange(1, c.Cycles))
	if c.From <= c.Cycles {
		fmt.Fprintf(&b, "; the rows of %s and the %d link rows they wrote match their hashes", cycleRange(c.From, c.Cycles), c.Links)
	}
	switch before := c.Before; {
	case before.AtCommit:
		fmt.Fprintf(&b, "; cycle %d's commit hashed its rows as it wrote them at %s", before.Through, before.Checked.Format(time.RFC3339))
		if before.Through > 1 {
			fmt.Fprintf(&b, ", after a check of %s", cycleRange(1, before.Through-1))
		}
		fmt.Fprintf(&b, ", and cycle %d still has the hash then recorded; 'contactsync journal verify' re-hashes every row", before.Through)
	case before.Through > 0:
		fmt.Fprintf(&b, "; %s had been checked row by row at %s and cycle %d still has the hash then recorded; 'contactsync journal verify' re-hashes every row",
			cycleRange(1, before.Through), before.Checked.Format(time.RFC3339), before.Through)
	}
	return b.String()
}

func cycleRange(from, to int) string {
	if from == to {
		return "cycle " + strconv.Itoa(from)
	}
	return fmt.Sprintf("cycles %d to %d", from, to)
}

// CheckNew checks the hash chain as far as what is new since the last
// check a cycle recorded: the chain of every cycle's hash (each links to
// the one before), the hash the last check recorded (its cycle still has
// it), the rows of the cycles after it re-hashed, and the link rows those
// cycles wrote against their hashes. A journal without an earlier check
// gets every cycle re-hashed. The check is remembered, and the next
// Commit records it, so the next cycle's check starts after it; that
// Commit also records a check of its own rows (CheckRecord.AtCommit), so
// the check before the cycle after it has nothing to re-hash.
//
// What it leaves to Verify (journal verify): re-hashing the rows of the
// cycles checked before, and the link rows those cycles wrote, which an
// edit that does not touch the cycle hashes could have changed since.
// The error is a *VerifyError when the journal was edited.
func (j *Journal) CheckNew() (*Check, error) {
	j.checked = nil
	tx, err := j.db.Begin()
	if err != nil {
		return nil, fmt.Errorf("check journal %q: %w", j.path, err)
	}
	defer tx.Rollback()
	if err := j.verifyMigrations(tx); err != nil {
		return nil, err
	}
	c := &Check{}
	var before CheckRecord
	var stamp string
	switch err := tx.QueryRow(`SELECT through, hash, checked, rows_from, at_commit FROM checks ORDER BY through DESC LIMIT 1`).Scan(&before.Through, &before.Hash, &stamp, &before.From, &before.AtCommit); {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("check journal %q: %w", j.path, err)
	default:
		before.Checked, _ = parseStamp(stamp)
		c.Before = before
	}
	// The chain of cycle hashes, without their rows.
	var last cycleRow
	prev, n := "", 0
	if err := each(tx, `SELECT number, prev_hash, hash FROM cycles WHERE number > ? ORDER BY number`, 0, func(rs *sql.Rows) error {
		var r cycleRow
		if err := rs.Scan(&r.Number, &r.PrevHash, &r.Hash); err != nil {
			return err
		}
		n++
		if r.Number != n {
			return &VerifyError{Path: j.path, Cycle: n, Table: "cycles", Row: fmt.Sprintf("number %d", n), What: fmt.Sprintf("cycle %d is missing (the next one is %d)", n, r.Number)}
		}
		if r.PrevHash != prev {
			return &VerifyError{Path: j.path, Cycle: r.Number, What: fmt.Sprintf("its link to cycle %d's hash is broken (a cycle was edited, removed or replaced)", r.Number-1)}
		}
		if r.Number == before.Through && r.Hash != before.Hash {
			return &VerifyError{Path: j.path, Cycle: r.Number, Table: "cycles", Row: fmt.Sprintf("number %d", r.Number),
				What: fmt.Sprintf("its hash is %s, but the check of %s recorded %s (the cycle was replaced after the fact)", r.Hash, before.Checked.Format(time.RFC3339), before.Hash)}
		}
		prev, last = r.Hash, r
		return nil
	}); err != nil {
		return nil, wrapCheck(j, err)
	}
	c.Cycles = n
	if before.Through > n {
		return nil, &VerifyError{Path: j.path, Cycle: before.Through, Table: "checks", Row: fmt.Sprintf("through %d", before.Through),
			What: fmt.Sprintf("a check recorded cycle %d with hash %s, which the journal does not have (deleted after the fact)", before.Through, before.Hash)}
	}
	if err := j.verifyNewOrphans(tx, n); err != nil {
		return nil, err
	}
	c.From = before.Through + 1
	// The rows of the new cycles, and the link rows they wrote.
	var ws [][]linkWrite
	if n > 0 {
		ws = make([][]linkWrite, n+1)
	}
	for k := c.From; k <= n; k++ {
		var r cycleRow
		if err := tx.QueryRow(`SELECT `+cycleColumns+` FROM cycles WHERE number = ?`, k).Scan(r.dest()...); err != nil {
			return nil, fmt.Errorf("check journal %q: %w", j.path, err)
		}
		sum, err := cycleSum(tx, &r)
		if errors.Is(err, errSet) {
			return nil, &VerifyError{Path: j.path, Cycle: k, Table: "sets", What: fmt.Sprintf("a set of its rows does not read (edited after commit): %v", err)}
		}
		if err != nil {
			return nil, fmt.Errorf("check journal %q: cycle %d: %w", j.path, k, err)
		}
		if sum != r.Hash {
			return nil, &VerifyError{Path: j.path, Cycle: k, What: "its rows do not match its hash (changes, conflicts, notices, files, counts, link writes, pending work or link history were edited after commit)"}
		}
		if err := eachLinkWrite(tx, k, func(w linkWrite) error {
			ws[k] = append(ws[k], w)
			return nil
		}); err != nil {
			return nil, wrapCheck(j, err)
		}
	}
	c.Links, err = j.checkLinksOf(tx, ws, c.From, j.loadedSums(n, c.From))
	if j.loaded != nil {
		j.loaded.sums = nil // used once
	}
	if err != nil {
		return nil, err
	}
	if n > 0 && !j.ro {
		j.checked = &CheckRecord{Through: n, Hash: last.Hash, Checked: j.now(), From: c.From}
	}
	return c, nil
}

// wrapCheck names the journal in an error that is not a VerifyError.
func wrapCheck(j *Journal, err error) error {
	var ve *VerifyError
	if errors.As(err, &ve) {
		return err
	}
	if errors.Is(err, errSet) {
		return &VerifyError{Path: j.path, Table: "sets", What: fmt.Sprintf("a set does not read (edited after commit): %v", err)}
	}
	return fmt.Errorf("check journal %q: %w", j.path, err)
}

// unsafeString is b as a string without a copy, for a string used only
// while b is.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// loadedSums are the hashes Load took of the rows written after the check
// that covered cycles 1..from-1, when Load read the state of cycle n;
// nil when it did not.
func (j *Journal) loadedSums(n, from int) []loadedSum {
	l := j.loaded
	if l == nil || l.cycle != n || l.checked != from-1 {
		return nil
	}
	return l.sums
}

// verifyNewOrphans finds rows filed under a cycle after the last, n (or
// before the first), in the tables keyed by cycle: what their primary
// keys find without reading every row.
func (j *Journal) verifyNewOrphans(tx *sql.Tx, n int) error {
	for _, q := range []struct{ table, row, query string }{
		{"files", "seq", `SELECT cycle, seq FROM files WHERE cycle > ?1 OR cycle < 1`},
		{"changes", "seq", `SELECT cycle, seq FROM changes WHERE cycle > ?1 OR cycle < 1`},
		{"conflicts", "seq", `SELECT cycle, seq FROM conflicts WHERE cycle > ?1 OR cycle < 1`},
		{"notices", "seq", `SELECT cycle, seq FROM notices WHERE cycle > ?1 OR cycle < 1`},
		{"link_writes", "link", `SELECT cycle, link FROM link_writes WHERE cycle > ?1 OR cycle < 1`},
		{"pending", "link", `SELECT cycle, link FROM pending WHERE cycle > ?1 OR cycle < 1`},
		{"link_history", "link", `SELECT cycle, link FROM link_history WHERE cycle > ?1 OR cycle < 1`},
		{"sets", "part", `SELECT cycle, part FROM sets WHERE cycle > ?1 OR cycle < 1`},
		{"link_pages", "page", `SELECT cycle, page FROM link_pages WHERE cycle > ?1 OR cycle < 1`},
	} {
		var cycle int
		var key int64
		err := tx.QueryRow(q.query+` ORDER BY 1, 2 LIMIT 1`, n).Scan(&cycle, &key)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("check journal %q: %s: %w", j.path, q.table, err)
		}
		return j.orphanRow(q.table, q.row, cycle, key)
	}
	return nil
}

// checkLinksOf checks the link rows that cycles from.. wrote (ws, by
// cycle, in link order) and are still as they wrote them; it returns how
// many it checked. A link a later cycle rewrote is checked as that
// cycle's.
func (j *Journal) checkLinksOf(tx *sql.Tx, ws [][]linkWrite, from int, sums []loadedSum) (int, error) {
	var ids []int64
	checked := 0
	for k := len(ws) - 1; k >= from && k >= 1; k-- {
		for _, w := range ws[k] {
			if sums != nil {
				// The row as Load read it, when it hashed it.
				i, ok := slices.BinarySearchFunc(sums, w.link, func(s loadedSum, id int64) int { return cmp.Compare(s.id, id) })
				if ok && int(sums[i].written) == k && sums[i].ok && len(w.sum) == rowSumSize {
					if string(sums[i].sum[:]) != w.sum {
						return 0, &VerifyError{Path: j.path, Cycle: k, Link: w.link, Table: "links", Row: fmt.Sprintf("link %d", w.link), What: "the link row does not match the hash its cycle recorded (edited after commit)"}
					}
					checked++
					continue
				}
				if ok && int(sums[i].written) > k {
					continue // a later cycle rewrote it: checked as that cycle's
				}
			}
			ids = append(ids, w.link)
		}
	}
	if len(ids) == 0 {
		return checked, nil
	}
	if sums != nil {
		// What Load did not hash: closed rows, rows of an older form, and
		// rows that are not as their cycle left them (found below).
		return j.checkLinkRows(tx, ws, from, ids, checked)
	}
	return j.checkLinkRows(tx, ws, from, ids, 0)
}

// checkLinkRows checks the link rows ids (written by cycles from.. as
// ws says) by reading them; checked counts those checked already.
func (j *Journal) checkLinkRows(tx *sql.Tx, ws [][]linkWrite, from int, ids []int64, checked int) (int, error) {
	c := newChain()
	all := checked == 0 && len(ids) > 0
	done := checked // checked from what Load hashed
	var r linkRow
	var crmID, outlookKey, base, baseSHA, baseSum sql.RawBytes
	check := func(rs *sql.Rows) error {
		r = linkRow{}
		if err := rs.Scan(&r.id, &crmID, &outlookKey, &base, &baseSHA, &baseSum, &r.opened, &r.written, &r.closed); err != nil {
			return err
		}
		// Valid until the next row: the row is hashed before.
		r.crmID, r.outlookKey, r.baseSHA = unsafeString(crmID), unsafeString(outlookKey), unsafeString(baseSHA)
		r.base, r.baseSum = base, baseSum
		if baseSum == nil {
			r.baseSum = nil
		}
		if r.written < from || r.written >= len(ws) {
			return nil // rewritten by no cycle checked now: an older row, or a row of a later cycle's (none)
		}
		recorded, found := recordedSum(ws[r.written], r.id)
		if err := j.checkLinkRow(c, &r, recorded, found, false); err != nil {
			return err
		}
		checked++
		return nil
	}
	const cols = `SELECT id, crm_id, outlook_key, base, base_sha256, base_sum, opened, written, coalesce(closed, 0) FROM links`
	var open int64
	if err := tx.QueryRow(`SELECT open_links FROM cycles WHERE number = ?`, len(ws)-1).Scan(&open); err != nil {
		return 0, err
	}
	if all && int64(len(ids)) > open/4 {
		// Most rows are new: one pass over the table.
		if err := each(tx, cols+` WHERE written >= ? ORDER BY id`, from, check); err != nil {
			return 0, wrapCheck(j, err)
		}
	} else {
		slices.Sort(ids)
		ids = slices.Compact(ids)
		for start := 0; start < len(ids); start += basesChunk {
			chunk := ids[start:min(len(ids), start+basesChunk)]
			args := make([]any, len(chunk))
			for i, id := range chunk {
				args[i] = id
			}
			if err := eachRow(tx, cols+` WHERE id IN (?`+strings.Repeat(", ?", len(chunk)-1)+`) ORDER BY id`, args, check); err != nil {
				return 0, wrapCheck(j, err)
			}
		}
	}
	// Each link a checked cycle wrote last must have its row as written.
	slices.Sort(ids)
	if ids = slices.Compact(ids); len(ids) != checked-done {
		last := map[int64]int{}
		for k := from; k < len(ws); k++ {
			for _, w := range ws[k] {
				last[w.link] = k
			}
		}
		// Some row is missing or was moved to another cycle: find which.
		for k := len(ws) - 1; k >= from; k-- {
			for _, w := range ws[k] {
				if last[w.link] != k {
					continue
				}
				var written int
				err := tx.QueryRow(`SELECT written FROM links WHERE id = ?`, w.link).Scan(&written)
				if errors.Is(err, sql.ErrNoRows) || err == nil && written != k {
					return 0, &VerifyError{Path: j.path, Cycle: k, Link: w.link, Table: "links", Row: fmt.Sprintf("link %d", w.link), What: "the link row this cycle wrote is missing or was rewritten after commit"}
				}
				if err != nil {
					return 0, err
				}
			}
		}
	}
	return checked, nil
}
