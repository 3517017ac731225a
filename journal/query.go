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

	"contactsync/engine"
	"contactsync/engine/contact"
)

// The audit queries. The journal answers "who changed what, when, and why"
// through this read API; package journal/audit renders the answers (log,
// show, history, diff, export, the report page) and never sees the schema.
// A Reader is one read transaction, so every query of one rendering sees
// the same journal. Rows are streamed to a callback wherever a cycle may
// hold a million of them.

// ErrNoCycle is wrapped by the errors for a cycle number the journal does
// not have (a user's mistake, not a failure of the journal).
var ErrNoCycle = errors.New("no such cycle")

// ErrNoContact is wrapped by the errors for a contact key that no link of
// the journal has (a user's mistake, not a failure of the journal).
var ErrNoContact = errors.New("no link matches")

// cycleNotFound is the error for a cycle number the journal does not have.
func (j *Journal) cycleNotFound(q interface {
	QueryRow(string, ...any) *sql.Row
}, n int) error {
	last, _, err := lastCycle(q)
	if err != nil {
		return err
	}
	if last == 0 {
		return &noCycleError{fmt.Sprintf("cycle %d not found (the journal has no cycles yet)", n)}
	}
	return &noCycleError{fmt.Sprintf("cycle %d not found (the journal has cycles 1..%d)", n, last)}
}

type noCycleError struct{ msg string }

func (e *noCycleError) Error() string { return e.msg }
func (e *noCycleError) Unwrap() error { return ErrNoCycle }

func (j *Journal) cycle(tx *sql.Tx, n int) (*cycleRow, error) {
	var r cycleRow
	err := tx.QueryRow(`SELECT `+cycleColumns+` FROM cycles WHERE number = ?`, n).Scan(r.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, j.cycleNotFound(tx, n)
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// read runs fn in a read transaction after checking that cycle n exists.
func (j *Journal) read(n int, fn func(*sql.Tx) error) error {
	tx, err := j.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := j.cycle(tx, n); err != nil {
		return err
	}
	return fn(tx)
}

// Now returns the journal's clock (Options.Now), for pages that say when
// they were made.
func (j *Journal) Now() time.Time { return j.now() }

// Stamp formats a time as the journal stores it: RFC 3339 with nanoseconds
// and the offset; "" for the zero time.
func Stamp(t time.Time) string { return stamp(t) }

// ParseStamp reads a time as the journal stores it ("" is the zero time).
func ParseStamp(s string) (time.Time, error) { return parseStamp(s) }

// Cycle is one cycle's row as the journal stores it.
type Cycle struct {
	Number                          int
	Kind, Status, Started, Finished string // times as stored (Stamp)
	SyncUser, RunBy, ToolVersion    string
	Mapping, Prefer, Direction      string
	Options, Counts                 string // JSON objects as stored
	OutDir                          string
	NextLinkID, OpenLinks           int64 // after the cycle
	PrevHash, Hash                  string
}

func (r *cycleRow) public() Cycle {
	return Cycle{Number: r.Number, Kind: r.Kind, Status: r.Status, Started: r.Started, Finished: r.Finished,
		SyncUser: r.SyncUser, RunBy: r.RunBy, ToolVersion: r.ToolVersion, Mapping: r.Mapping, Prefer: r.Prefer,
		Direction: r.Direction, Options: r.Options, Counts: r.Counts, OutDir: r.OutDir, NextLinkID: r.NextLinkID,
		OpenLinks: r.OpenLinks, PrevHash: r.PrevHash, Hash: r.Hash}
}

// Reader is a read transaction over the journal. Its methods are valid
// inside the function given to Read only.
type Reader struct {
	j  *Journal
	tx *sql.Tx
}

// Read runs fn in one read transaction. It also works on a journal opened
// read-only.
func (j *Journal) Read(fn func(*Reader) error) error {
	tx, err := j.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(&Reader{j: j, tx: tx})
}

// Cycle returns cycle n; an error wrapping ErrNoCycle when the journal does
// not have it.
func (r *Reader) Cycle(n int) (*Cycle, error) {
	row, err := r.j.cycle(r.tx, n)
	if err != nil {
		return nil, err
	}
	c := row.public()
	return &c, nil
}

// Cycles returns the cycles numbered from..to in order; to 0 means no
// upper bound. A cycle is a few hundred bytes: a journal's cycles fit in
// memory.
func (r *Reader) Cycles(from, to int) ([]Cycle, error) {
	if to == 0 {
		to = int(^uint32(0) >> 1)
	}
	var out []Cycle
	err := each(r.tx, `SELECT `+cycleColumns+` FROM cycles WHERE number >= ?1 AND number <= `+strconv.Itoa(to)+` ORDER BY number`, from,
		func(rs *sql.Rows) error {
			var row cycleRow
			if err := rs.Scan(row.dest()...); err != nil {
				return err
			}
			out = append(out, row.public())
			return nil
		})
	return out, err
}

// Files returns the input and output files of cycle n in the order the
// cycle recorded them.
func (r *Reader) Files(n int) ([]FileHash, error) {
	var files []FileHash
	err := each(r.tx, `SELECT role, path, sha256, size FROM files WHERE cycle = ? ORDER BY seq`, n, func(rs *sql.Rows) error {
		var f FileHash
		err := rs.Scan(&f.Role, &f.Path, &f.SHA256, &f.Size)
		files = append(files, f)
		return err
	})
	return files, err
}

// Select says which rows of changes, conflicts and notices a query reads.
// The zero value selects every row of every cycle.
type Select struct {
	Cycle  int         // one cycle; 0: every cycle
	Links  []int64     // only the rows of these links; nil: every row
	Ops    []engine.Op // changes: only these operations; nil: all
	NotOps []engine.Op // changes: not these operations
	Kinds  []string    // notices: only these kinds; nil: all
	ByLink bool        // order by link, then cycle and plan order; else by cycle and plan order
}

// where is the WHERE and ORDER BY clauses of s for a table of rows; ops
// and kinds apply to the changes and notices tables only. A condition is
// written only when s sets it, and the order names no column an equality
// fixes, so that SQLite picks the index the query needs (the primary key
// (cycle, seq) for a cycle, changes_link for a link).
func (s *Select) where(table string) string {
	var conds []string
	if s.Cycle != 0 {
		conds = append(conds, "cycle = "+strconv.Itoa(s.Cycle))
	}
	if s.Links != nil {
		ids := make([]string, len(s.Links))
		for i, id := range s.Links {
			ids[i] = strconv.FormatInt(id, 10)
		}
		if len(ids) == 1 {
			conds = append(conds, "link = "+ids[0])
		} else {
			conds = append(conds, "link IN ("+strings.Join(ids, ",")+")")
		}
	}
	in := func(col string, not bool, vs []string) {
		quoted := make([]string, len(vs))
		for i, v := range vs {
			quoted[i] = "'" + strings.ReplaceAll(v, "'", "''") + "'"
		}
		op := " IN ("
		if not {
			op = " NOT IN ("
		}
		conds = append(conds, col+op+strings.Join(quoted, ",")+")")
	}
	ops := func(os []engine.Op) []string {
		out := make([]string, len(os))
		for i, o := range os {
			out[i] = string(o)
		}
		return out
	}
	switch table {
	case "changes":
		if s.Ops != nil {
			in("op", false, ops(s.Ops))
		}
		if len(s.NotOps) > 0 {
			in("op", true, ops(s.NotOps))
		}
	case "notices":
		if s.Kinds != nil {
			in("kind", false, s.Kinds)
		}
	}
	var b strings.Builder
	if len(conds) > 0 {
		b.WriteString(" WHERE " + strings.Join(conds, " AND "))
	}
	var order []string
	if s.ByLink && len(s.Links) != 1 {
		order = append(order, "link")
	}
	if s.Cycle == 0 {
		order = append(order, "cycle")
	}
	order = append(order, "seq")
	b.WriteString(" ORDER BY " + strings.Join(order, ", "))
	return b.String()
}

// ChangeRow is a change with the cycle it belongs to.
type ChangeRow struct {
	Cycle int
	engine.Change
}

// ConflictRow is a conflict with the cycle it belongs to. Its times are
// also given as stored (CRMStamp, OutlookStamp: "" when unknown); a stored
// time that does not parse (an edited journal: Verify says so) is zero in
// Conflict.
type ConflictRow struct {
	Cycle int
	engine.Conflict
	CRMStamp, OutlookStamp string
}

// NoticeRow is a notice with the cycle it belongs to.
type NoticeRow struct {
	Cycle int
	engine.Notice
}

// query runs query (which has no argument) and calls fn for every row.
func (r *Reader) query(query string, fn func(*sql.Rows) error) error {
	return eachRow(r.tx, query, nil, fn)
}

// Changes calls fn for every change s selects. The row is reused: fn must
// copy what it keeps.
func (r *Reader) Changes(s Select, fn func(*ChangeRow) error) error {
	if s.ByLink && len(s.Links) != 1 {
		// By link across the table and the sets: held, then sorted. The
		// rows come in cycle and plan order, which a stable sort keeps.
		var held []ChangeRow
		if err := r.changes(s, func(c *ChangeRow) error { held = append(held, *c); return nil }); err != nil {
			return err
		}
		slices.SortStableFunc(held, func(a, b ChangeRow) int { return cmp.Compare(a.Link, b.Link) })
		for i := range held {
			if err := fn(&held[i]); err != nil {
				return err
			}
		}
		return nil
	}
	return r.changes(s, fn)
}

// changes calls fn for the changes s selects, in cycle and plan order: the
// rows of the changes table (the cycles before schema 6), then the sets.
func (r *Reader) changes(s Select, fn func(*ChangeRow) error) error {
	var c ChangeRow
	s.ByLink = false
	if err := r.query(`SELECT cycle, link, side, op, field, old, new, rule, name FROM changes`+s.where("changes"), func(rs *sql.Rows) error {
		c = ChangeRow{}
		if err := rs.Scan(&c.Cycle, &c.Link, &c.Side, &c.Op, &c.Field, &c.Old, &c.New, &c.Rule, &c.Name); err != nil {
			return err
		}
		return fn(&c)
	}); err != nil {
		return err
	}
	return eachSetChange(r.tx, s.Cycle, s.Cycle, func(cycle, _ int, side string, x *engine.Change) error {
		if !s.keeps(x) {
			return nil
		}
		var err error
		if x.Side, err = parseStoredSide(side); err != nil {
			return fmt.Errorf("cycle %d: change of link %d: %w", cycle, x.Link, err)
		}
		c = ChangeRow{Cycle: cycle, Change: *x}
		return fn(&c)
	})
}

// keeps reports whether s selects change c (its cycle aside).
func (s *Select) keeps(c *engine.Change) bool {
	return (s.Links == nil || slices.Contains(s.Links, c.Link)) &&
		(s.Ops == nil || slices.Contains(s.Ops, c.Op)) && !slices.Contains(s.NotOps, c.Op)
}

// parseStoredSide reads a change's side as the journal stores it.
func parseStoredSide(s string) (engine.Side, error) {
	var side engine.Side
	err := side.UnmarshalText([]byte(s))
	return side, err
}

// eachSetChange calls fn for every change in the sets of cycles from..to
// (0: no bound), in cycle and plan order, with its number in the plan
// (seq) and its side as stored. The change is reused.
func eachSetChange(q querier, from, to int, fn func(cycle, seq int, side string, c *engine.Change) error) error {
	var c engine.Change
	last, seq := 0, 0
	return eachSetOf(q, setChanges, from, to, func(cycle int, r *setReader) error {
		if cycle != last {
			last, seq = cycle, 0
		}
		seq++
		c = engine.Change{}
		side, err := getChange(r, &c)
		if err != nil {
			return err
		}
		return fn(cycle, seq, side, &c)
	})
}

// Conflicts calls fn for every conflict s selects. The row is reused.
func (r *Reader) Conflicts(s Select, fn func(*ConflictRow) error) error {
	var c ConflictRow
	return r.query(`SELECT cycle, link, field, base, crm, outlook, crm_time, outlook_time, winner, rule, name FROM conflicts`+s.where("conflicts"),
		func(rs *sql.Rows) error {
			c = ConflictRow{}
			if err := rs.Scan(&c.Cycle, &c.Link, &c.Field, &c.Base, &c.CRM, &c.Outlook, &c.CRMStamp, &c.OutlookStamp, &c.Winner, &c.Rule, &c.Name); err != nil {
				return err
			}
			c.CRMTime, _ = parseStamp(c.CRMStamp)
			c.OutlookTime, _ = parseStamp(c.OutlookStamp)
			return fn(&c)
		})
}

// Notices calls fn for every notice s selects. The row is reused.
func (r *Reader) Notices(s Select, fn func(*NoticeRow) error) error {
	var x NoticeRow
	return r.query(`SELECT cycle, kind, link, message FROM notices`+s.where("notices"), func(rs *sql.Rows) error {
		x = NoticeRow{}
		if err := rs.Scan(&x.Cycle, &x.Kind, &x.Link, &x.Message); err != nil {
			return err
		}
		return fn(&x)
	})
}

// RowCounts are the numbers of rows a Select selects.
type RowCounts struct{ Changes, Conflicts, Notices int }

// Count counts the changes, conflicts and notices s selects.
func (r *Reader) Count(s Select) (RowCounts, error) {
	var c RowCounts
	s.ByLink = false
	strip := func(w string) string { return w[:strings.LastIndex(w, " ORDER BY")] }
	err := r.tx.QueryRow(`SELECT (SELECT count(*) FROM changes`+strip(s.where("changes"))+`),
		(SELECT count(*) FROM conflicts`+strip(s.where("conflicts"))+`),
		(SELECT count(*) FROM notices`+strip(s.where("notices"))+`)`).Scan(&c.Changes, &c.Conflicts, &c.Notices)
	if err != nil {
		return c, err
	}
	err = eachSetChange(r.tx, s.Cycle, s.Cycle, func(_, _ int, _ string, x *engine.Change) error {
		if s.keeps(x) {
			c.Changes++
		}
		return nil
	})
	return c, err
}

// Tallies count the changes of a cycle.
type Tallies struct {
	SideOp        map[string]engine.Tally // side → operation → changes
	Rules, Fields engine.Tally
}

// Tally counts the changes of cycle n per side and operation, per rule
// and per field (changes of no field are not in Fields).
func (r *Reader) Tally(n int) (*Tallies, error) {
	t := &Tallies{SideOp: map[string]engine.Tally{}, Rules: engine.Tally{}, Fields: engine.Tally{}}
	add := func(side, op string, k int) {
		if t.SideOp[side] == nil {
			t.SideOp[side] = engine.Tally{}
		}
		t.SideOp[side][op] += k
	}
	if err := each(r.tx, `SELECT side, op, count(*) FROM changes WHERE cycle = ? GROUP BY side, op`, n, func(rs *sql.Rows) error {
		var side, op string
		var k int
		if err := rs.Scan(&side, &op, &k); err != nil {
			return err
		}
		add(side, op, k)
		return nil
	}); err != nil {
		return nil, err
	}
	for _, q := range []struct {
		sql string
		t   engine.Tally
	}{
		{`SELECT rule, count(*) FROM changes WHERE cycle = ? GROUP BY rule`, t.Rules},
		{`SELECT field, count(*) FROM changes WHERE cycle = ? AND field != '' GROUP BY field`, t.Fields},
	} {
		if err := each(r.tx, q.sql, n, func(rs *sql.Rows) error {
			var name string
			var k int
			err := rs.Scan(&name, &k)
			q.t[name] += k
			return err
		}); err != nil {
			return nil, err
		}
	}
	err := eachSetChange(r.tx, n, n, func(_, _ int, side string, c *engine.Change) error {
		add(side, string(c.Op), 1)
		t.Rules[string(c.Rule)]++
		if c.Field != "" {
			t.Fields[c.Field]++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// ContactKey cleans a CRM id, Outlook key or e-mail address as a user
// gives it ("mailto:" and blanks around it go).
func ContactKey(key string) (string, error) {
	key = strings.TrimSpace(key)
	if low := strings.ToLower(key); strings.HasPrefix(low, "mailto:") {
		key = strings.TrimSpace(key[len("mailto:"):])
	}
	if key == "" {
		return "", errors.New("no CRM id, Outlook key or e-mail address given")
	}
	return key, nil
}

var emailFields = []contact.Field{contact.Email1, contact.Email2, contact.Email3}

// LinksOf returns, in order, the links of a CRM id, Outlook key or e-mail
// address (cleaned by ContactKey): the links that have or had that key,
// that linked by it, whose e-mail fields a change set to or from it, or
// whose base holds it. E-mail addresses are compared without regard to
// case. No link is an error wrapping ErrNoContact.
func (r *Reader) LinksOf(key string) ([]int64, error) {
	key, err := ContactKey(key)
	if err != nil {
		return nil, err
	}
	tx := r.tx
	ids := map[int64]bool{}
	collect := func(query string, args ...any) error {
		rows, err := tx.Query(query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids[id] = true
		}
		return rows.Err()
	}
	if err := collect(`SELECT id FROM links WHERE trim(crm_id) = ? OR outlook_key = ?`, key, key); err != nil {
		return nil, err
	}
	if err := collect(`SELECT DISTINCT link FROM changes WHERE link != 0 AND (
		(field IN ('email1', 'email2', 'email3') AND (old = ?1 COLLATE NOCASE OR new = ?1 COLLATE NOCASE))
		OR (op = 'link' AND (trim(old) = ?1 OR new = ?1)))`, key); err != nil {
		return nil, err
	}
	// The same in the sets.
	if err := eachSetChange(tx, 0, 0, func(_, _ int, _ string, c *engine.Change) error {
		if c.Link == 0 {
			return nil
		}
		switch {
		case (c.Field == "email1" || c.Field == "email2" || c.Field == "email3") && (asciiEqualFold(c.Old, key) || asciiEqualFold(c.New, key)),
			c.Op == engine.OpLink && (strings.Trim(c.Old, " ") == key || c.New == key):
			ids[c.Link] = true
		}
		return nil
	}); err != nil {
		return nil, err
	}
	// The current base holds e-mails that no change mentions (linked by
	// e-mail, never edited): find candidates by text, confirm by decoding.
	if err := func() error {
		rows, err := tx.Query(`SELECT id, base FROM links WHERE instr(lower(base), lower(?)) > 0`, key)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var l engine.Link
			var base string
			if err := rows.Scan(&l.ID, &base); err != nil {
				return err
			}
			if err := decodeBase(base, &l); err != nil {
				return fmt.Errorf("link %d: %w", l.ID, err)
			}
			for _, f := range emailFields {
				if l.Base != nil && strings.EqualFold(strings.TrimSpace(l.Base[f]), key) {
					ids[l.ID] = true
				}
			}
		}
		return rows.Err()
	}(); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%w (searched CRM ids, Outlook keys and e-mail addresses)", ErrNoContact)
	}
	sorted := make([]int64, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	slices.Sort(sorted)
	return sorted, nil
}

// asciiEqualFold is SQLite's COLLATE NOCASE: equal when only the letter
// case of ASCII letters differs.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// LinkRow is a link's row as an audit shows it.
type LinkRow struct {
	ID                int64
	CRMID, OutlookKey string
	Opened            int // the cycle that opened it
	Closed            int // the cycle that closed it; 0 while the row is open
	// Detached says the row stays, ended, to remember the CRM contact of a
	// contact that left one side.
	Detached bool
	// Name is a short human name from the link's base ("" when unknown).
	Name string
}

// Link returns link id's current row; nil when the journal has no row of
// it (a link whose row a later cycle replaced keeps its changes).
func (r *Reader) Link(id int64) (*LinkRow, error) {
	var lr LinkRow
	var closed sql.NullInt64
	var base string
	err := r.tx.QueryRow(`SELECT id, crm_id, outlook_key, opened, closed, base FROM links WHERE id = ?`, id).
		Scan(&lr.ID, &lr.CRMID, &lr.OutlookKey, &lr.Opened, &closed, &base)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	lr.Closed = int(closed.Int64)
	var l engine.Link
	if decodeBase(base, &l) == nil {
		if l.Base != nil {
			c := contact.Contact{Values: *l.Base}
			lr.Name = c.DisplayName()
		}
		lr.Detached = l.Detached != engine.NoSide
	}
	return &lr, nil
}

// Changes returns the changes of cycle n in plan order.
func (j *Journal) Changes(n int) ([]engine.Change, error) {
	var out []engine.Change
	err := j.read(n, func(tx *sql.Tx) error {
		return (&Reader{j: j, tx: tx}).Changes(Select{Cycle: n}, func(c *ChangeRow) error {
			out = append(out, c.Change)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("journal %q: changes: %w", j.path, err)
	}
	return out, nil
}

// Conflicts returns the conflicts of cycle n in plan order.
func (j *Journal) Conflicts(n int) ([]engine.Conflict, error) {
	var out []engine.Conflict
	err := j.read(n, func(tx *sql.Tx) error {
		return (&Reader{j: j, tx: tx}).Conflicts(Select{Cycle: n}, func(c *ConflictRow) error {
			if _, err := parseStamp(c.CRMStamp); err != nil {
				return fmt.Errorf("cycle %d conflict on link %d: crm time: %w", c.Cycle, c.Link, err)
			}
			if _, err := parseStamp(c.OutlookStamp); err != nil {
				return fmt.Errorf("cycle %d conflict on link %d: outlook time: %w", c.Cycle, c.Link, err)
			}
			out = append(out, c.Conflict)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("journal %q: conflicts: %w", j.path, err)
	}
	return out, nil
}
