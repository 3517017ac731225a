package journal

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"contactsync/engine"
	"contactsync/engine/contact"
)

// The audit output answers "who changed what, when, and why" for people:
// one line per cycle (WriteLog), everything one cycle did (WriteShow), and
// everything that ever happened to one contact (WriteHistory). Values are
// quoted Go-style so that a multi-line note stays on one line and an empty
// value is visible as "". What a cycle did to long text is shown word by
// word by WriteDiff (diff.go); Export (export.go) hands the whole trail to
// spreadsheets and other tools, and WriteReport (report.go) to a browser.

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

// WriteLog writes one line per cycle: number, start time, user, status, a
// summary of the counts, and the output folder.
func (j *Journal) WriteLog(w io.Writer) error {
	if err := j.writeLog(w); err != nil {
		return fmt.Errorf("journal %q: log: %w", j.path, err)
	}
	return nil
}

func (j *Journal) writeLog(w io.Writer) error {
	rows, err := j.db.Query(`SELECT number, started, sync_user, run_by, status, counts, out_dir, tool_version,
		kind, coalesce(json_extract(options, '$.cycle'), '') FROM cycles ORDER BY number`)
	if err != nil {
		return err
	}
	defer rows.Close()
	// Columns are aligned over all rows, so a long log reads as a table.
	b := bufio.NewWriter(w)
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	seen := false
	for rows.Next() {
		var n int
		var started, user, runBy, status, counts, out, tool, kind, of string
		if err := rows.Scan(&n, &started, &user, &runBy, &status, &counts, &out, &tool, &kind, &of); err != nil {
			return err
		}
		if kind == "undo" || kind == "discard" {
			// An undo or a discard says which cycle it took back.
			status += " (" + kind + " of " + of + ")"
		}
		if !seen {
			fmt.Fprintf(tw, "cycle\tstarted\tuser\tstatus\tsummary (+ new, ~ updated, - deleted or removed)\toutput\ttool\n")
			seen = true
		}
		if runBy != user {
			user += " (run by " + runBy + ")"
		}
		fmt.Fprintf(tw, "%5d\t%s\t%s\t%s\t%s\tout %s\ttool %s\n", n, showTime(started), user, status, summary(counts), quoteIfNeeded(out), tool)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if !seen {
		fmt.Fprintf(b, "the journal has no cycles yet\n")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return b.Flush()
}

// summary renders a cycle's counts on one line.
func summary(countsJSON string) string {
	var c engine.Counts
	if err := json.Unmarshal([]byte(countsJSON), &c); err != nil {
		return "counts unreadable: " + strconv.Quote(countsJSON)
	}
	return fmt.Sprintf("links %d (linked %d, ended %d); crm +%d ~%d, accounts +%d, sync group +%d -%d; outlook +%d ~%d -%d; conflicts %d, held %d",
		c.Links, c.Linked, c.Unlinked, c.CRMCreated, c.CRMUpdated, c.AccountsNew, c.GroupAdded, c.GroupRemoved,
		c.OutlookCreated, c.OutlookUpdated, c.OutlookDeleted, c.Conflicts, c.Held)
}

// linksAfter says how many links a cycle left open, counted as its summary
// and the sync's last line count them (links that join two contacts), and
// how many ended links the journal keeps besides: a link ended because its
// contact left one side stays as a detached row that remembers the CRM
// contact, so that it is neither created nor linked again behind the
// user's back.
func linksAfter(r *cycleRow) string {
	var c engine.Counts
	if err := json.Unmarshal([]byte(r.Counts), &c); err != nil || int64(c.Links) > r.OpenLinks {
		return fmt.Sprintf("%d open after the cycle; next link id %d", r.OpenLinks, r.NextLinkID)
	}
	s := fmt.Sprintf("%d open after the cycle", c.Links)
	if d := r.OpenLinks - int64(c.Links); d > 0 {
		s += fmt.Sprintf(" (and %d closed ones kept to remember contacts that left the sync)", d)
	}
	return s + fmt.Sprintf("; next link id %d", r.NextLinkID)
}

// showTime shortens a stored time to seconds for the one-line log.
func showTime(s string) string {
	t, err := parseStamp(s)
	if err != nil || t.IsZero() {
		return s
	}
	return t.Format("2006-01-02 15:04:05 -0700")
}

func quoteIfNeeded(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\n\"") {
		return strconv.Quote(s)
	}
	return s
}

// WriteShow writes everything cycle n did: its header (times, user, tool
// version, options, files with their sha256), every change, every conflict
// with base, both values, both times, the winner and the rule, and the
// notices.
func (j *Journal) WriteShow(w io.Writer, n int) error {
	if err := j.writeShow(w, n); err != nil {
		return fmt.Errorf("journal %q: show: %w", j.path, err)
	}
	return nil
}

func (j *Journal) writeShow(w io.Writer, n int) error {
	tx, err := j.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	r, err := j.cycle(tx, n)
	if err != nil {
		return err
	}
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "cycle %d: %s, %s\n", r.Number, r.Kind, r.Status)
	fmt.Fprintf(b, "started:   %s\n", r.Started)
	fmt.Fprintf(b, "finished:  %s\n", r.Finished)
	fmt.Fprintf(b, "user:      %s", r.SyncUser)
	if r.RunBy != r.SyncUser {
		fmt.Fprintf(b, " (run by %s)", r.RunBy)
	}
	fmt.Fprintf(b, "\ntool:      %s\n", r.ToolVersion)
	fmt.Fprintf(b, "prefer:    %s; direction: %s\n", r.Prefer, r.Direction)
	fmt.Fprintf(b, "mapping:   %s\n", r.Mapping)
	fmt.Fprintf(b, "options:   %s\n", showOptions(r.Options))
	fmt.Fprintf(b, "output:    %s\n", quoteIfNeeded(r.OutDir))
	fmt.Fprintf(b, "summary:   %s\n", summary(r.Counts))
	fmt.Fprintf(b, "links:     %s\n", linksAfter(r))
	fmt.Fprintf(b, "hash:      %s (previous %s)\n", r.Hash, orNone(r.PrevHash))

	var files []FileHash
	if err := each(tx, `SELECT role, path, sha256, size FROM files WHERE cycle = ? ORDER BY seq`, n, func(rs *sql.Rows) error {
		var f FileHash
		err := rs.Scan(&f.Role, &f.Path, &f.SHA256, &f.Size)
		files = append(files, f)
		return err
	}); err != nil {
		return err
	}
	fmt.Fprintf(b, "\nfiles (%d):\n", len(files))
	for _, f := range files {
		fmt.Fprintf(b, "  %-7s %s  %d bytes  sha256 %s\n", f.Role, quoteIfNeeded(f.Path), f.Size, f.SHA256)
	}

	changes, err := queryChanges(tx, `WHERE cycle = ? ORDER BY seq`, n)
	if err != nil {
		return err
	}
	fmt.Fprintf(b, "\nchanges (%d):\n", len(changes))
	for _, c := range changes {
		fmt.Fprintf(b, "  %s\n", changeLine(&c.Change))
	}
	conflicts, err := queryConflicts(tx, `WHERE cycle = ? ORDER BY seq`, n)
	if err != nil {
		return err
	}
	fmt.Fprintf(b, "\nconflicts (%d):\n", len(conflicts))
	for _, c := range conflicts {
		fmt.Fprintf(b, "  %s\n", conflictLine(&c.Conflict))
	}
	var notices []engine.Notice
	if err := each(tx, `SELECT kind, link, message FROM notices WHERE cycle = ? ORDER BY seq`, n, func(rs *sql.Rows) error {
		var x engine.Notice
		err := rs.Scan(&x.Kind, &x.Link, &x.Message)
		notices = append(notices, x)
		return err
	}); err != nil {
		return err
	}
	fmt.Fprintf(b, "\nnotices (%d):\n", len(notices))
	for _, x := range notices {
		if x.Link != 0 {
			fmt.Fprintf(b, "  [%s] link %d: %s\n", x.Kind, x.Link, x.Message)
		} else {
			fmt.Fprintf(b, "  [%s] %s\n", x.Kind, x.Message)
		}
	}
	return b.Flush()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// showOptions renders the options JSON as --flag=value, in name order.
func showOptions(js string) string {
	var m map[string]string
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		return js
	}
	if len(m) == 0 {
		return "(none)"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = "--" + strings.TrimLeft(k, "-") + "=" + quoteIfNeeded(m[k])
	}
	return strings.Join(parts, " ")
}

// changeLine renders a change: link, side, operation, field, old → new,
// rule, contact name.
func changeLine(c *engine.Change) string {
	var s strings.Builder
	if c.Link != 0 {
		fmt.Fprintf(&s, "link %d ", c.Link)
	} else {
		s.WriteString("no link ")
	}
	fmt.Fprintf(&s, "%s %s", c.Side, c.Op)
	if c.Field != "" {
		fmt.Fprintf(&s, " %s", c.Field)
	}
	fmt.Fprintf(&s, ": %s → %s [%s]", strconv.Quote(c.Old), strconv.Quote(c.New), c.Rule)
	if c.Name != "" {
		fmt.Fprintf(&s, " %s", strconv.Quote(c.Name))
	}
	return s.String()
}

func conflictLine(c *engine.Conflict) string {
	when := func(t string) string {
		if t == "" {
			return "time unknown"
		}
		return t
	}
	var s strings.Builder
	fmt.Fprintf(&s, "link %d", c.Link)
	if c.Name != "" {
		fmt.Fprintf(&s, " %s", strconv.Quote(c.Name))
	}
	fmt.Fprintf(&s, " %s: base %s; crm %s (%s); outlook %s (%s) → %s wins [%s]",
		c.Field, strconv.Quote(c.Base), strconv.Quote(c.CRM), when(stamp(c.CRMTime)),
		strconv.Quote(c.Outlook), when(stamp(c.OutlookTime)), c.Winner, c.Rule)
	return s.String()
}

// cycleChange is a change with the cycle it belongs to.
type cycleChange struct {
	Cycle int
	engine.Change
}

type cycleConflict struct {
	Cycle int
	engine.Conflict
}

func queryChanges(tx *sql.Tx, where string, arg any) ([]cycleChange, error) {
	var out []cycleChange
	err := each(tx, `SELECT cycle, link, side, op, field, old, new, rule, name FROM changes `+where, arg, func(rs *sql.Rows) error {
		var c cycleChange
		err := rs.Scan(&c.Cycle, &c.Link, &c.Side, &c.Op, &c.Field, &c.Old, &c.New, &c.Rule, &c.Name)
		out = append(out, c)
		return err
	})
	return out, err
}

func queryConflicts(tx *sql.Tx, where string, arg any) ([]cycleConflict, error) {
	var out []cycleConflict
	err := each(tx, `SELECT cycle, link, field, base, crm, outlook, crm_time, outlook_time, winner, rule, name FROM conflicts `+where, arg,
		func(rs *sql.Rows) error {
			var c cycleConflict
			var ct, ot string
			if err := rs.Scan(&c.Cycle, &c.Link, &c.Field, &c.Base, &c.CRM, &c.Outlook, &ct, &ot, &c.Winner, &c.Rule, &c.Name); err != nil {
				return err
			}
			var err error
			if c.CRMTime, err = parseStamp(ct); err != nil {
				return fmt.Errorf("cycle %d conflict on link %d: crm time: %w", c.Cycle, c.Link, err)
			}
			if c.OutlookTime, err = parseStamp(ot); err != nil {
				return fmt.Errorf("cycle %d conflict on link %d: outlook time: %w", c.Cycle, c.Link, err)
			}
			out = append(out, c)
			return nil
		})
	return out, err
}

// Changes returns the changes of cycle n in plan order.
func (j *Journal) Changes(n int) ([]engine.Change, error) {
	var out []engine.Change
	err := j.read(n, func(tx *sql.Tx) error {
		cs, err := queryChanges(tx, `WHERE cycle = ? ORDER BY seq`, n)
		for _, c := range cs {
			out = append(out, c.Change)
		}
		return err
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
		cs, err := queryConflicts(tx, `WHERE cycle = ? ORDER BY seq`, n)
		for _, c := range cs {
			out = append(out, c.Conflict)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("journal %q: conflicts: %w", j.path, err)
	}
	return out, nil
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

var emailFields = []contact.Field{contact.Email1, contact.Email2, contact.Email3}

// WriteHistory writes every change and conflict, across all cycles, of the
// links whose CRM id, Outlook key or e-mail address is key. An e-mail
// matches when it is in a link's current base or in any journaled value of
// an e-mail field, compared without regard to case.
func (j *Journal) WriteHistory(w io.Writer, key string) error {
	if err := j.writeHistory(w, key); err != nil {
		return fmt.Errorf("journal %q: history of %q: %w", j.path, key, err)
	}
	return nil
}

// contactKey cleans a CRM id, Outlook key or e-mail address as given.
func contactKey(key string) (string, error) {
	key = strings.TrimSpace(key)
	if low := strings.ToLower(key); strings.HasPrefix(low, "mailto:") {
		key = strings.TrimSpace(key[len("mailto:"):])
	}
	if key == "" {
		return "", errors.New("no CRM id, Outlook key or e-mail address given")
	}
	return key, nil
}

// linksOf returns the links of a CRM id, Outlook key or e-mail address:
// the links that have or had that key, that linked by it, whose e-mail
// fields a change set to or from it, or whose base holds it.
func linksOf(tx *sql.Tx, key string) (map[int64]bool, error) {
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
				if strings.EqualFold(strings.TrimSpace(l.Base[f]), key) {
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
	return ids, nil
}

// linkInfo is a link row as history shows it.
type linkInfo struct {
	id                int64
	crmID, outlookKey string
	opened            int
	closed            sql.NullInt64
}

func (j *Journal) writeHistory(w io.Writer, key string) error {
	key, err := contactKey(key)
	if err != nil {
		return err
	}
	tx, err := j.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()

	ids, err := linksOf(tx, key)
	if err != nil {
		return err
	}
	sorted := make([]int64, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	slices.Sort(sorted)

	times := map[int]string{}
	if err := each(tx, `SELECT number, started, sync_user FROM cycles WHERE number > ?`, 0, func(rs *sql.Rows) error {
		var n int
		var started, user string
		err := rs.Scan(&n, &started, &user)
		times[n] = showTime(started) + " by " + user
		return err
	}); err != nil {
		return err
	}

	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "history of %s: %d link(s)\n", strconv.Quote(key), len(sorted))
	for _, id := range sorted {
		var li linkInfo
		var base string
		lerr := tx.QueryRow(`SELECT id, crm_id, outlook_key, opened, closed, base FROM links WHERE id = ?`, id).
			Scan(&li.id, &li.crmID, &li.outlookKey, &li.opened, &li.closed, &base)
		if lerr != nil && !errors.Is(lerr, sql.ErrNoRows) {
			return lerr
		}
		changes, err := queryChanges(tx, `WHERE link = ? ORDER BY cycle, seq`, id)
		if err != nil {
			return err
		}
		conflicts, err := queryConflicts(tx, `WHERE link = ? ORDER BY cycle, seq`, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(b, "\nlink %d", id)
		if lerr == nil {
			var l engine.Link
			if decodeBase(base, &l) == nil {
				l.CRMID = li.crmID
				if n := baseName(&l); n != "" {
					fmt.Fprintf(b, " %s", strconv.Quote(n))
				}
			}
			fmt.Fprintf(b, ": crm %s, outlook %s, opened in cycle %d", orNone(strings.TrimSpace(li.crmID)), orNone(li.outlookKey), li.opened)
			// A link is closed once a cycle unlinked it, also when its
			// row stays (detached) to remember the CRM contact: the cycle
			// and rule are those of the unlink.
			var detached engine.Link
			decodeBase(base, &detached)
			unlinkCycle, unlinkRule := 0, engine.Rule("")
			for _, c := range changes {
				if c.Op == engine.OpUnlink {
					unlinkCycle, unlinkRule = c.Cycle, c.Rule
				}
			}
			switch {
			case (li.closed.Valid || detached.Detached != engine.NoSide) && unlinkCycle > 0:
				fmt.Fprintf(b, ", closed in cycle %d (%s)", unlinkCycle, unlinkRule)
			case li.closed.Valid:
				fmt.Fprintf(b, ", closed in cycle %d", li.closed.Int64)
			default:
				fmt.Fprintf(b, ", open")
			}
		}
		fmt.Fprintf(b, "\n")
		// Interleave changes and conflicts by cycle.
		ci, ki := 0, 0
		for ci < len(changes) || ki < len(conflicts) {
			cyc := 0
			if ci < len(changes) {
				cyc = changes[ci].Cycle
			}
			if ki < len(conflicts) && (cyc == 0 || conflicts[ki].Cycle < cyc) {
				cyc = conflicts[ki].Cycle
			}
			fmt.Fprintf(b, "  cycle %d (%s):\n", cyc, times[cyc])
			for ; ci < len(changes) && changes[ci].Cycle == cyc; ci++ {
				fmt.Fprintf(b, "    %s\n", changeLine(&changes[ci].Change))
			}
			for ; ki < len(conflicts) && conflicts[ki].Cycle == cyc; ki++ {
				fmt.Fprintf(b, "    conflict: %s\n", conflictLine(&conflicts[ki].Conflict))
			}
		}
	}
	return b.Flush()
}

// baseName is a short human name for a link from its base.
func baseName(l *engine.Link) string {
	if l.Base == nil {
		return ""
	}
	c := contact.Contact{Values: *l.Base}
	return c.DisplayName()
}
