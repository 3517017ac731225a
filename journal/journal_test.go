package journal

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"contactsync/engine"
	"contactsync/engine/contact"
)

var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.FixedZone("CET", 3600))

// clock returns an injected clock that advances one minute per call.
func clock() func() time.Time {
	n := 0
	return func() time.Time {
		n++
		return t0.Add(time.Duration(n) * time.Minute)
	}
}

func openTest(t testing.TB, path string) *Journal {
	t.Helper()
	j, err := Open(path, Options{Now: clock()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

func info(cycle int) CycleInfo {
	return CycleInfo{
		Started:     t0.Add(time.Duration(cycle) * time.Hour),
		User:        "alice",
		ToolVersion: "contactsync 0.1.0-test",
		Options:     map[string]string{"prefer": "crm", "max-delete": "10%"},
		Inputs:      []FileHash{{Role: "input", Path: "crm/contacts.csv", SHA256: strings.Repeat("ab", 32), Size: 1234}},
		Outputs:     []FileHash{{Role: "output", Path: "out/crm/contacts-new.csv", SHA256: strings.Repeat("cd", 32), Size: 99}},
		OutDir:      fmt.Sprintf("/data/out/%d", cycle),
	}
}

// fullLink is a link with every part of a row set, including values that
// need escaping and a byte that is not UTF-8.
func fullLink(id int64) engine.Link {
	l := engine.Link{ID: id, CRMID: "CDEMOA00000" + strconv.FormatInt(id, 10), OutlookKey: engine.SyncKey(id), Base: &contact.Values{}}
	for _, f := range contact.AllFields() {
		l.Base[f] = fmt.Sprintf("%s of %d", f, id)
	}
	l.Base[contact.First] = "Zoë"
	l.Base[contact.Last] = "Núñez-Øster"
	l.Base[contact.Email1] = fmt.Sprintf("zoe%d@example.com", id)
	l.Base[contact.Notes] = "line 1, \"quoted\"\nline 2\\ with\ttab and \x01 control, \u2028 and bad \xff byte"
	l.Base[contact.Categories] = "Customers;VIP"
	l.NameAccount = "Zoë Núñez-Øster"
	l.SetPendingCRM(engine.Pending{Op: engine.OpUpdate, Fields: []contact.Field{contact.PhoneBusiness, contact.Notes}, Old: []string{"111", "old\nnote"}})
	l.SetPendingOutlook(engine.Pending{Op: engine.OpCreate})
	return l
}

func smallLink(id int64, first, email string) engine.Link {
	l := engine.Link{ID: id, CRMID: "C" + strconv.FormatInt(id, 10), OutlookKey: "OL" + strconv.FormatInt(id, 10), Base: &contact.Values{}}
	l.Base[contact.First] = first
	l.Base[contact.Last] = "Lee"
	l.Base[contact.Email1] = email
	return l
}

// normal makes empty slices nil, as the journal returns them.
// fullLinks returns the state's links with their bases, read through
// st.Bases as the engine reads them; a link loaded with its base fails.
func fullLinks(t *testing.T, st engine.State) []engine.Link {
	t.Helper()
	out := slices.Clone(st.Links)
	ids := make([]int64, len(out))
	for i := range out {
		if out[i].Base != nil || out[i].BaseSum.IsZero() {
			t.Fatalf("link %d loaded with its base or without a sum: %+v", out[i].ID, out[i])
		}
		ids[i] = out[i].ID
	}
	if len(ids) == 0 {
		return out
	}
	vs, err := st.Bases.Bases(ids)
	if err != nil {
		t.Fatal(err)
	}
	for i := range out {
		out[i].Base = vs[i]
	}
	return out
}

func normal(l engine.Link) engine.Link {
	v := l.Values() // a base packed, as a record or not is the same base
	l.DropBase()
	l.Base = v
	if l.Base != nil {
		l.BaseSum = engine.SumValues(l.Base)
	}
	pd := l.Pending()
	for _, p := range []*engine.Pending{&pd.CRM, &pd.Outlook} {
		if len(p.Fields) == 0 {
			p.Fields = nil
		}
		if len(p.Old) == 0 {
			p.Old = nil
		}
	}
	l.SetPending(pd.CRM, pd.Outlook)
	return l
}

func plan(cycle int, next int64, links ...engine.LinkState) *engine.Plan {
	p := &engine.Plan{Cycle: cycle, User: "U1", Mapping: engine.MappingText(engine.DefaultMapping),
		Prefer: engine.CRM, Direction: engine.Both, NextLinkID: next, Links: links}
	for _, l := range links {
		if l.Changed {
			p.Counts.Links++
		}
	}
	return p
}

func changed(l engine.Link) engine.LinkState { return engine.LinkState{Link: l, Changed: true} }

func TestOpenCreatesPrivateFileWithSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sync.db")
	j := openTest(t, path)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if m := st.Mode().Perm(); m != 0o600 {
		t.Errorf("journal mode = %o, want 600", m)
	}
	var v int
	if err := j.db.QueryRow(`SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil || v != SchemaVersion() || v < 1 {
		t.Errorf("schema version = %d, %v; want %d", v, err, SchemaVersion())
	}
	// A journal without a cycle is in rollback mode until its first
	// commit (setJournalMode); see TestFirstCommitTurnsWALOn.
	var mode string
	if err := j.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "delete" {
		t.Errorf("journal_mode = %q, %v; want delete", mode, err)
	}
	var fk int
	if err := j.db.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d, %v; want 1", fk, err)
	}
	for _, table := range []string{"cycles", "files", "changes", "conflicts", "notices", "links", "link_writes"} {
		var n int
		if err := j.db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&n); err != nil || n != 1 {
			t.Errorf("table %s: count %d, %v", table, n, err)
		}
	}
	st0, err := j.Load()
	if err != nil || st0.Cycle != 0 || st0.NextLinkID != 1 || len(st0.Links) != 0 {
		t.Errorf("Load of a new journal = %+v, %v; want cycle 0, next link 1, no links", st0, err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopening applies nothing twice.
	j2 := openTest(t, path)
	var rows int
	if err := j2.db.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&rows); err != nil || rows != SchemaVersion() {
		t.Errorf("schema_migrations rows after reopen = %d, %v", rows, err)
	}
}

// journalMode is the journal's SQLite journal mode.
func journalMode(t *testing.T, j *Journal) string {
	t.Helper()
	var mode string
	if err := j.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	return mode
}

// A writable journal is written in rollback mode, every cycle, without a
// -wal file beside it: a cycle's pages go into the database file as it is
// staged, and its commit deletes the -journal file (synchronous EXTRA, so
// that the deletion is durable). A journal an older contactsync left in
// WAL mode is put in rollback mode by Open; one another process holds in
// WAL mode stays in it, and its cycles commit there.
func TestJournalIsInRollbackMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sync.db")
	j := openTest(t, path)
	links := []engine.LinkState{changed(smallLink(1, "Ann", "ann@example.com"))}
	for n := 1; n <= 2; n++ {
		if n == 2 {
			links = []engine.LinkState{{Link: smallLink(1, "Ann", "ann@example.com")}, changed(smallLink(2, "Bob", "bob@example.com"))}
		}
		s, err := j.Stage(context.Background(), plan(n, int64(n+1), links...), info(n))
		if err != nil {
			t.Fatal(err)
		}
		if m := journalMode(t, j); m != "delete" {
			t.Errorf("cycle %d staged in mode %q, want delete", n, m)
		}
		// Its commit is durable once the -journal file's removal is.
		var sync int
		if err := s.conn.QueryRowContext(context.Background(), `PRAGMA synchronous`).Scan(&sync); err != nil || sync != 3 {
			t.Errorf("cycle %d is staged with synchronous = %d (%v), want 3 (EXTRA)", n, sync, err)
		}
		// It waits a minute for readers, not 10 s.
		var busy int
		if err := s.conn.QueryRowContext(context.Background(), `PRAGMA busy_timeout`).Scan(&busy); err != nil || busy != 60000 {
			t.Errorf("cycle %d is staged with busy_timeout = %d (%v), want 60000", n, busy, err)
		}
		if _, err := os.Stat(path + "-journal"); err != nil {
			t.Errorf("no rollback journal while cycle %d is staged: %v", n, err)
		}
		if _, err := os.Stat(path + "-wal"); err == nil {
			t.Errorf("a -wal file while cycle %d is staged", n)
		}
		if err := s.Commit(nil); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(path + "-journal"); err == nil {
			t.Errorf("the rollback journal is still there after cycle %d's commit", n)
		}
	}
	checkForeignKeys(t, j)
	if err := j.Verify(); err != nil {
		t.Fatal(err)
	}
	var conns []*sql.Conn // both connections of the pool, busy at once
	for range 2 {
		c, err := j.db.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var sync int
		if err := c.QueryRowContext(context.Background(), `PRAGMA synchronous`).Scan(&sync); err != nil || sync != 2 {
			t.Errorf("a connection has synchronous = %d (%v) after the commits, want 2 (FULL)", sync, err)
		}
		var busy int
		if err := c.QueryRowContext(context.Background(), `PRAGMA busy_timeout`).Scan(&busy); err != nil || busy != 10000 {
			t.Errorf("a connection has busy_timeout = %d (%v) after the commits, want 10000", busy, err)
		}
	}
	for _, c := range conns {
		c.Close()
	}
	// As an older contactsync left it: in WAL mode, with cycles.
	if _, err := j.db.Exec(`PRAGMA journal_mode = WAL`); err != nil || journalMode(t, j) != "wal" {
		t.Fatalf("WAL mode: %v", err)
	}
	j.Close()
	for _, suffix := range []string{"-journal", "-wal", "-shm"} {
		if _, err := os.Stat(path + suffix); err == nil {
			t.Errorf("%s is left beside the closed journal", suffix)
		}
	}
	j = openTest(t, path)
	if m := journalMode(t, j); m != "delete" || !j.rollback {
		t.Errorf("a journal left in WAL mode opens in mode %q (rollback %v), want delete", m, j.rollback)
	}
	j.Close()

	// Another process holds it in WAL mode (a connection of its own here).
	other, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	other.SetMaxOpenConns(1)
	var n int
	if err := other.QueryRow(`SELECT count(*) FROM cycles`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("the other connection reads %d cycles, %v", n, err)
	}
	j = openTest(t, path)
	if m := journalMode(t, j); m != "wal" || j.rollback {
		t.Errorf("a journal another connection holds in WAL mode opens in mode %q (rollback %v), want wal", m, j.rollback)
	}
	links = []engine.LinkState{{Link: smallLink(1, "Ann", "ann@example.com")}, {Link: smallLink(2, "Bob", "bob@example.com")}, changed(smallLink(3, "Cy", "cy@example.com"))}
	if err := j.Commit(plan(3, 4, links...), info(3)); err != nil {
		t.Fatal(err)
	}
	if err := j.Verify(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefusesOtherDatabases(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("this is not a database, just some text that is long enough to have a header"), 0o600)
	if _, err := Open(text, Options{}); err == nil {
		t.Error("Open of a text file succeeded")
	} else if _, lerr := os.Stat(LockPath(text)); lerr == nil {
		t.Error("failed Open left its lock file behind")
	}
	if _, err := Open(filepath.Join(dir, "missing.db"), Options{ReadOnly: true}); err == nil {
		t.Error("read-only Open of a missing journal succeeded")
	}
}

func TestCommitThenLoadRoundTrips(t *testing.T) {
	j := openTest(t, filepath.Join(t.TempDir(), "sync.db"))
	l1, l2, l3 := fullLink(1), smallLink(2, "Bob", "bob@example.com"), smallLink(3, "Cy", "cy@example.com")
	p1 := plan(1, 10, changed(l1), changed(l2), changed(l3))
	if err := j.Commit(p1, info(1)); err != nil {
		t.Fatal(err)
	}
	st, err := j.Load()
	if err != nil {
		t.Fatal(err)
	}
	if st.Cycle != 1 || st.User != "U1" || st.Mapping != p1.Mapping || st.NextLinkID != 10 {
		t.Errorf("Load = cycle %d user %q mapping %q next %d; want 1 U1 %q 10", st.Cycle, st.User, st.Mapping, st.NextLinkID, p1.Mapping)
	}
	want := []engine.Link{normal(l1), normal(l2), normal(l3)}
	if !reflect.DeepEqual(fullLinks(t, st), want) {
		t.Fatalf("loaded links:\n%+v\nwant\n%+v", st.Links, want)
	}

	// Cycle 2: link 1 changes, link 2 closes, link 10 is new, link 1's
	// pendings are cleared. Link 3 is not Changed, so whatever the plan
	// says about it is not written.
	l1b := fullLink(1)
	l1b.Base[contact.PhoneMobile] = "+49 170 1234567"
	l1b.Base[contact.Notes] = ""
	l1b.CRMID = "CNEWID000001"
	l1b.SetPending(engine.Pending{}, engine.Pending{})
	l10 := smallLink(10, "Dee", "dee@example.com")
	l3b := l3
	l3b.Base = new(contact.Values)
	*l3b.Base = *l3.Base
	l3b.Base[contact.First] = "not written"
	p2 := plan(2, 11, changed(l1b), engine.LinkState{Link: l3b}, changed(l10))
	p2.Closed = []int64{2}
	if err := j.Commit(p2, info(2)); err != nil {
		t.Fatal(err)
	}
	st, err = j.Load()
	if err != nil {
		t.Fatal(err)
	}
	want = []engine.Link{normal(l1b), normal(l3), normal(l10)}
	if st.Cycle != 2 || st.NextLinkID != 11 || !reflect.DeepEqual(fullLinks(t, st), want) {
		t.Fatalf("after cycle 2: cycle %d next %d links\n%+v\nwant\n%+v", st.Cycle, st.NextLinkID, st.Links, want)
	}
	var closed, opened int
	if err := j.db.QueryRow(`SELECT closed, opened FROM links WHERE id = 2`).Scan(&closed, &opened); err != nil || closed != 2 || opened != 1 {
		t.Errorf("link 2 closed %d opened %d, %v; want closed in 2, opened in 1", closed, opened, err)
	}
	// One row per link, never one per field.
	var n int
	j.db.QueryRow(`SELECT count(*) FROM links`).Scan(&n)
	if n != 4 {
		t.Errorf("links rows = %d, want 4", n)
	}

	// A closed link is never reopened.
	// (Link 3 is left out so that the open count agrees and the reopening
	// itself is what fails.)
	p3 := plan(3, 11, changed(l1b), changed(smallLink(2, "Bob", "bob@example.com")), changed(l10))
	if err := j.Commit(p3, info(3)); err == nil || !strings.Contains(err.Error(), "no open link") {
		t.Errorf("reopening link 2: err = %v, want an error saying it is closed", err)
	}
}

func TestCommitRecordsChangesConflictsNotices(t *testing.T) {
	j := openTest(t, filepath.Join(t.TempDir(), "sync.db"))
	p := plan(1, 3, changed(smallLink(1, "Ann", "ann@example.com")))
	p.Changes = []engine.Change{
		{Link: 1, Side: engine.NoSide, Op: engine.OpLink, Old: "C1", New: "OL1", Rule: engine.RuleLinkEmail, Name: "Ann Lee"},
		{Link: 1, Side: engine.CRM, Op: engine.OpUpdate, Field: "phone_business", Old: "111", New: "222", Rule: engine.RuleConflictLatest, Name: "Ann Lee"},
		{Side: engine.CRM, Op: engine.OpHeld, New: "Nobody", Rule: engine.RuleDirection},
	}
	p.Conflicts = []engine.Conflict{{Link: 1, Field: "phone_business", Base: "", CRM: "111", Outlook: "222",
		CRMTime: t0, OutlookTime: t0.Add(time.Hour).UTC(), Winner: "outlook", Rule: engine.RuleConflictLatest, Name: "Ann Lee"}}
	p.Notices = []engine.Notice{{Kind: "duplicate", Link: 1, Message: "two Outlook contacts share ann@example.com"}}
	if err := j.Commit(p, info(1)); err != nil {
		t.Fatal(err)
	}
	ch, err := j.Changes(1)
	if err != nil || !reflect.DeepEqual(ch, p.Changes) {
		t.Errorf("Changes(1) = %+v, %v\nwant %+v", ch, err, p.Changes)
	}
	cf, err := j.Conflicts(1)
	if err != nil || len(cf) != 1 {
		t.Fatalf("Conflicts(1) = %+v, %v", cf, err)
	}
	got, w := cf[0], p.Conflicts[0]
	if !got.CRMTime.Equal(w.CRMTime) || !got.OutlookTime.Equal(w.OutlookTime) {
		t.Errorf("conflict times = %v, %v; want %v, %v", got.CRMTime, got.OutlookTime, w.CRMTime, w.OutlookTime)
	}
	got.CRMTime, got.OutlookTime, w.CRMTime, w.OutlookTime = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if got != w {
		t.Errorf("conflict = %+v, want %+v", got, w)
	}
	if _, err := j.Changes(5); err == nil || err.Error() != fmt.Sprintf("journal %q: changes: cycle 5 not found (the journal has cycles 1..1)", j.path) {
		t.Errorf("Changes(5) err = %v", err)
	}
}

func TestCommitIsAllOrNothing(t *testing.T) {
	j := openTest(t, filepath.Join(t.TempDir(), "sync.db"))
	if err := j.Commit(plan(1, 3, changed(smallLink(1, "Ann", "ann@example.com")), changed(smallLink(2, "Bob", "bob@example.com"))), info(1)); err != nil {
		t.Fatal(err)
	}
	before, err := j.Load()
	if err != nil {
		t.Fatal(err)
	}
	counts := func() string {
		var s []string
		for _, table := range []string{"cycles", "files", "changes", "conflicts", "notices", "links", "link_writes"} {
			var n int
			j.db.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n)
			s = append(s, fmt.Sprintf("%s=%d", table, n))
		}
		return strings.Join(s, " ")
	}
	countsBefore := counts()

	failing := map[string]*engine.Plan{}
	// Fails after the cycle row, its changes and link 3 are written: the
	// link to close does not exist.
	keep := engine.LinkState{Link: smallLink(2, "Bob", "bob@example.com")}
	p := plan(2, 5, changed(smallLink(1, "Ann", "new@example.com")), keep, changed(smallLink(3, "Cy", "cy@example.com")))
	p.Changes = []engine.Change{{Link: 3, Side: engine.Outlook, Op: engine.OpCreate, New: "Cy Lee", Rule: engine.RuleNewInCRM}}
	p.Notices = []engine.Notice{{Kind: "info", Message: "x"}}
	p.Closed = []int64{99}
	p.Links = append(p.Links, engine.LinkState{Link: smallLink(99, "Zed", "")}) // so that the open count agrees
	failing["close unknown link"] = p
	// Fails at the second write of the same link.
	p = plan(2, 5, engine.LinkState{Link: smallLink(1, "Ann", "ann@example.com")}, keep,
		changed(smallLink(4, "Di", "di@example.com")), changed(smallLink(4, "Di", "di2@example.com")))
	p.Changes = []engine.Change{{Link: 4, Side: engine.CRM, Op: engine.OpCreate, Rule: engine.RuleNewInOutlook}}
	failing["same link twice"] = p
	one := engine.LinkState{Link: smallLink(1, "Ann", "ann@example.com")}
	failing["new link not below next id"] = plan(2, 3, one, keep, changed(smallLink(3, "Cy", "cy@example.com")))
	failing["next id going back"] = plan(2, 2, one, keep)
	// A plan that forgets an open link was not made from this journal.
	failing["plan forgets a link"] = plan(2, 5, keep, changed(smallLink(3, "Cy", "cy@example.com")))
	// The journal moved on: the plan is for a cycle already committed, or
	// one too far.
	failing["duplicate cycle number"] = plan(1, 5, changed(smallLink(5, "Ed", "ed@example.com")))
	failing["cycle gap"] = plan(3, 5, changed(smallLink(5, "Ed", "ed@example.com")))

	for name, p := range failing {
		err := j.Commit(p, info(p.Cycle))
		if err == nil {
			t.Errorf("%s: Commit succeeded", name)
			continue
		}
		var ce *ConflictError
		if strings.Contains(name, "cycle") != errors.As(err, &ce) {
			t.Errorf("%s: err = %v (%T)", name, err, err)
		}
		if got := counts(); got != countsBefore {
			t.Errorf("%s: rows after failed commit: %s, want %s", name, got, countsBefore)
		}
		after, err := j.Load()
		if err != nil || !reflect.DeepEqual(after, before) {
			t.Errorf("%s: Load after failed commit = %+v, %v; want %+v", name, after, err, before)
		}
	}
	if err := j.Verify(); err != nil {
		t.Errorf("Verify after failed commits: %v", err)
	}
	// The journal still takes the real cycle 2.
	if err := j.Commit(plan(2, 4, engine.LinkState{Link: smallLink(1, "Ann", "ann@example.com")}, keep, changed(smallLink(3, "Cy", "cy@example.com"))), info(2)); err != nil {
		t.Fatalf("commit after failures: %v", err)
	}
}

func TestSecondOpenIsLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sync.db")
	j := openTest(t, path)
	st, err := os.Stat(LockPath(path))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("lock file: %v, %v", st, err)
	}
	_, err = Open(path, Options{})
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second Open: err = %v, want *LockedError", err)
	}
	if le.PID != os.Getpid() || le.Stale || !le.Since.Equal(t0.Add(time.Minute)) {
		t.Errorf("LockedError = %+v, want pid %d, not stale, since %v", le, os.Getpid(), t0.Add(time.Minute))
	}
	if msg := err.Error(); !strings.Contains(msg, fmt.Sprintf("locked by pid %d", os.Getpid())) || !strings.Contains(msg, "since 2026-03-02 09:31:00 +0100") ||
		!strings.Contains(msg, "wait for it to finish") {
		t.Errorf("message = %q", msg)
	}
	// Readers need no lock.
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only Open while locked: %v", err)
	}
	if err := ro.Commit(plan(1, 1), info(1)); err == nil {
		t.Error("Commit on a read-only journal succeeded")
	}
	ro.Close()
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(LockPath(path)); !os.IsNotExist(err) {
		t.Errorf("lock file after Close: %v", err)
	}
	j2, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	j2.Close()
}

func TestStaleLockIsExplainedThenBroken(t *testing.T) {
	host, _ := os.Hostname()
	since := time.Date(2026, 2, 1, 8, 0, 0, 0, time.UTC)
	const deadPID = 1 << 30 // above any pid_max
	for _, c := range []struct {
		name, content, want string
		breakable           bool
	}{
		{"dead pid", fmt.Sprintf(`{"pid":%d,"host":%q,"since":%q}`, deadPID, host, since.Format(time.RFC3339)),
			fmt.Sprintf("has a stale lock: pid %d on host %s took it at 2026-02-01 08:00:00 +0000 and no longer runs", deadPID, host), true},
		{"garbage", "not json", "which cannot be read (not a contactsync lock", true},
		{"other host", fmt.Sprintf(`{"pid":%d,"host":"elsewhere.example","since":%q}`, deadPID, since.Format(time.RFC3339)),
			"on host elsewhere.example since 2026-02-01 08:00:00 +0000; this host cannot tell whether that process still runs", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sync.db")
			if err := os.WriteFile(LockPath(path), []byte(c.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Open(path, Options{})
			var le *LockedError
			if !errors.As(err, &le) || le.Stale != c.breakable {
				t.Fatalf("Open: err = %#v, want *LockedError with Stale %v", err, c.breakable)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), LockPath(path)) {
				t.Errorf("message = %q, want it to contain %q and the lock path", err, c.want)
			}
			if b, _ := os.ReadFile(LockPath(path)); string(b) != c.content {
				t.Errorf("Open without BreakStale changed the lock to %q", b)
			}
			j, err := Open(path, Options{BreakStale: true})
			if !c.breakable {
				if err == nil {
					j.Close()
					t.Fatal("BreakStale broke a lock held on another host")
				}
				return
			}
			if err != nil {
				t.Fatalf("Open with BreakStale: %v", err)
			}
			defer j.Close()
			b, _ := os.ReadFile(LockPath(path))
			var li lockInfo
			if json.Unmarshal(b, &li) != nil || li.PID != os.Getpid() || li.Host != host {
				t.Errorf("lock after breaking = %s, want ours", b)
			}
		})
	}
}

func TestOpenPathWithURICharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "my journal ?#%20&x=1.db")
	j := openTest(t, path)
	if err := j.Commit(plan(1, 2, changed(smallLink(1, "Ann", "ann@example.com"))), info(1)); err != nil {
		t.Fatal(err)
	}
	j.Close()
	if st, err := os.Stat(path); err != nil || st.Size() == 0 {
		t.Fatalf("journal not at %q: %v", path, err)
	}
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	st, err := ro.Load()
	if err != nil || st.Cycle != 1 || len(st.Links) != 1 {
		t.Errorf("read-only Load = %+v, %v", st, err)
	}
	if err := ro.Verify(); err != nil {
		t.Error(err)
	}
}

// TestCommitContextInterrupted: a context done before or during the commit
// (Ctrl-C) rolls it back: nothing of the cycle is in the journal, and the
// same plan commits afterwards.
func TestCommitContextInterrupted(t *testing.T) {
	j := openTest(t, filepath.Join(t.TempDir(), "sync.db"))
	p1 := plan(1, 3, changed(smallLink(1, "Ann", "ann@example.com")), changed(smallLink(2, "Bob", "bob@example.com")))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := j.CommitContext(ctx, p1, info(1)); err == nil {
		t.Fatal("commit with a cancelled context succeeded")
	}
	ctx, cancel = context.WithCancel(context.Background())
	testHookBeforeTxCommit = cancel // Ctrl-C with every row written
	err := j.CommitContext(ctx, p1, info(1))
	testHookBeforeTxCommit = nil
	if err == nil {
		t.Fatal("commit interrupted in its transaction succeeded")
	}
	st, err := j.Load()
	if err != nil || st.Cycle != 0 || len(st.Links) != 0 {
		t.Fatalf("after the interrupted commits: cycle %d, %d links, %v; want nothing committed", st.Cycle, len(st.Links), err)
	}
	var rows int
	j.db.QueryRow(`SELECT (SELECT count(*) FROM cycles) + (SELECT count(*) FROM links) + (SELECT count(*) FROM changes)`).Scan(&rows)
	if rows != 0 {
		t.Errorf("%d rows left by the interrupted commits", rows)
	}
	if err := j.Commit(p1, info(1)); err != nil {
		t.Fatalf("the same plan afterwards: %v", err)
	}
}

// The lock holds the file, not its name: a second run through a hard link
// or a symbolic link to the journal is refused, and the holder is named
// where the name allows.
func TestLockHoldsTheFileNotItsName(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sync.db")
	j := openTest(t, path)
	defer j.Close()
	hard := filepath.Join(dir, "hard.db")
	if err := os.Link(path, hard); err != nil {
		t.Fatal(err)
	}
	sym := filepath.Join(t.TempDir(), "sym.db")
	if err := os.Symlink(path, sym); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, via, want string }{
		{"hard link", hard, "under another name (a hard link)"},
		{"symbolic link", sym, fmt.Sprintf("locked by pid %d", os.Getpid())},
	} {
		j2, err := Open(c.via, Options{BreakStale: true})
		var le *LockedError
		if !errors.As(err, &le) || le.Stale {
			if j2 != nil {
				j2.Close()
			}
			t.Fatalf("%s: second Open = %v, want *LockedError, not stale", c.name, err)
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: message %q lacks %q", c.name, err, c.want)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j3, err := Open(hard, Options{})
	if err != nil {
		t.Fatalf("Open through the hard link after Close: %v", err)
	}
	j3.Close()
}
