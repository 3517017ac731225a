package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// A reader that meets another connection's exclusive lock (as a first
// cycle's staging holds it in rollback mode) gets SQLite's busy error,
// which IsBusy tells from others through any wrapping.
func TestIsBusy(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "j.db")
	dsn := "file:" + path + "?_busy_timeout=0&_journal_mode=DELETE"
	w, err := sql.Open("sqlite3", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Exec(`CREATE TABLE t (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	c, err := w.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, `BEGIN EXCLUSIVE`); err != nil {
		t.Fatal(err)
	}
	defer c.ExecContext(ctx, `ROLLBACK`)
	r, err := sql.Open("sqlite3", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var n int
	err = r.QueryRow(`SELECT count(*) FROM t`).Scan(&n)
	if err == nil {
		t.Fatal("a read while another connection holds the exclusive lock succeeded")
	}
	if !IsBusy(fmt.Errorf("journal log: %w", err)) {
		t.Fatalf("IsBusy(%v) = false, want true", err)
	}
	if IsBusy(errors.New("database is locked")) || IsBusy(ErrNoCycle) || IsBusy(nil) {
		t.Error("IsBusy is true for an error that is not SQLite's")
	}
	// A journal held by another connection is not called unreadable.
	if got := notJournal(err).Error(); strings.Contains(got, "not a readable") || !strings.Contains(got, "held by another connection") {
		t.Errorf("notJournal(busy) = %q", got)
	}
	if got := notJournal(errors.New("file is not a database")).Error(); !strings.Contains(got, "not a readable SQLite journal") {
		t.Errorf("notJournal(other) = %q", got)
	}
}
