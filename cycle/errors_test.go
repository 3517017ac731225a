package cycle

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"contactsync/engine"
	"contactsync/engine/contact"
	"contactsync/formats"
	"contactsync/journal"
)

// Classify gives every error the CLI may meet the kind that decides its
// exit code, also when it is wrapped, and keeps the message whole.
func TestClassify(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("read CRM dump: %w", err) }
	for _, tc := range []struct {
		name string
		err  error
		kind ErrorKind
		hint string // a part of the hint; "" for none
	}{
		{"cycle error", wrap(usagef("--out is required")), Usage, ""},
		{"interrupted", errInterrupted(), Interrupted, "run the same command again"},
		{"guard", wrap(&engine.GuardError{Guard: engine.GuardMaxDelete, Message: "too many", Hint: "check the export"}), Guard, "check the export"},
		{"locked", &journal.LockedError{Path: "j.db", PID: 1}, Guard, "wait for the other run"},
		{"stale lock", &journal.LockedError{Path: "j.db", Stale: true}, Guard, "--break-stale-lock"},
		{"journal moved on", &journal.ConflictError{Path: "j.db", PlanCycle: 2, Last: 2}, Failure, "run the same command again"},
		{"no cycle", fmt.Errorf("show: %w", journal.ErrNoCycle), Usage, "journal log"},
		{"no contact", journal.ErrNoContact, Usage, "CONTACTID"},
		{"parse error", wrap(&formats.ParseError{File: "a.csv", Line: 2, Col: 3, Err: errors.New("bad")}), Usage, "fix the input"},
		{"missing file", wrap(fs.ErrNotExist), Usage, "fix the input"},
		{"pool full", wrap(&formats.ParseError{File: "contacts.csv", Line: 9, Field: "notes", Err: contact.ErrFull}), Failure, "in parts"},
		{"error list", formats.ErrorList{&formats.ParseError{File: "a.csv", Line: 1, Err: errors.New("bad")}}, Usage, ""},
		{"journal busy", wrap(busyError(t)), Failure, "run this again when it has finished"},
		{"anything else", errors.New("disk full"), Failure, ""},
	} {
		e := Classify(tc.err)
		if e.Kind != tc.kind || e.Error() != tc.err.Error() {
			t.Errorf("%s: Classify(%q) = kind %d %q, want kind %d and the message unchanged", tc.name, tc.err, e.Kind, e.Error(), tc.kind)
		}
		if tc.hint == "" && e.Hint != "" || !strings.Contains(e.Hint, tc.hint) {
			t.Errorf("%s: hint %q, want one with %q", tc.name, e.Hint, tc.hint)
		}
	}
}

// busyError is SQLite's own error for a read of a database another
// connection holds with its exclusive lock, as a sync holds
// a journal (the driver is the one the journal registers).
func busyError(t *testing.T) error {
	ctx := context.Background()
	dsn := "file:" + filepath.Join(t.TempDir(), "j.db") + "?_busy_timeout=0&_journal_mode=DELETE"
	w, err := sql.Open("sqlite3", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	if _, err := w.Exec(`CREATE TABLE t (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	c, err := w.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.ExecContext(ctx, `BEGIN EXCLUSIVE`); err != nil {
		t.Fatal(err)
	}
	r, err := sql.Open("sqlite3", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var n int
	if err := r.QueryRow(`SELECT count(*) FROM t`).Scan(&n); err != nil {
		return err
	}
	t.Fatal("a read while another connection holds the exclusive lock succeeded")
	return nil
}
