package journal

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"contactsync/engine"
)

// A staging in rollback mode syncs the database file through a descriptor
// of the journal's own, kept until Close; one in WAL mode syncs the -wal
// file and lets its descriptor go. A sync that fails fails the staging, and
// nothing is committed.
func TestStagingSyncsWhatItWrote(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sync.db")
	j := openTest(t, path)
	p1 := plan(1, 3, changed(smallLink(1, "Ann", "ann@example.com")), changed(smallLink(2, "Bob", "bob@example.com")))

	// A descriptor that cannot be synced: the staging fails.
	bad, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	bad.Close()
	j.dbFile = bad
	if _, err := j.Stage(context.Background(), p1, info(1)); err == nil || !strings.Contains(err.Error(), "sync the staged rows") {
		t.Fatalf("Stage with a file that cannot be synced: %v", err)
	}
	j.dbFile = nil
	if n, _, err := j.Head(); err != nil || n != 0 {
		t.Fatalf("after a failed staging: cycle %d, %v", n, err)
	}

	s, err := j.Stage(context.Background(), p1, info(1))
	if err != nil {
		t.Fatal(err)
	}
	if j.dbFile == nil {
		t.Error("a staging in rollback mode did not sync the database file")
	}
	if err := s.Commit(info(1).Outputs); err != nil {
		t.Fatal(err)
	}
	// As when another process holds the journal in WAL mode.
	if _, err := j.db.Exec(`PRAGMA journal_mode = WAL`); err != nil {
		t.Fatal(err)
	}
	j.rollback = false
	st := j.startSettling()
	time.Sleep(3 * settleEvery)
	if !st.wal {
		t.Error("in WAL mode the syncs are not the -wal file's")
	}
	if err := st.finish(); err != nil || st.f != nil {
		t.Errorf("finish = %v, file still open %v", err, st.f != nil)
	}
	p2 := plan(2, 3, changed(smallLink(1, "Ann", "ann.lee@example.org")), engine.LinkState{Link: smallLink(2, "Bob", "bob@example.com")})
	if err := j.Commit(p2, info(2)); err != nil {
		t.Fatal(err)
	}
	if err := j.Verify(); err != nil {
		t.Error(err)
	}
	if err := j.Close(); err != nil || j.dbFile != nil {
		t.Errorf("Close = %v, database file still open %v", err, j.dbFile != nil)
	}
}
