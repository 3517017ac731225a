package journal

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// A statement run through Query (run) reports its errors, on the first
// step and on a later one, as Exec would, and its rows are written.
func TestBatchRunReportsErrors(t *testing.T) {
	j := openTest(t, filepath.Join(t.TempDir(), "sync.db"))
	tx, err := j.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`CREATE TEMP TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	b, err := newBatch(tx, "t", "id, v")
	if err != nil {
		t.Fatal(err)
	}
	for i := range batchRows + 3 {
		if err := b.add(int64(i), []byte{byte(i), 0, 'x'}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.flush(); err != nil {
		t.Fatal(err)
	}
	var n, size int
	if err := tx.QueryRow(`SELECT count(*), sum(length(v)) FROM t`).Scan(&n, &size); err != nil || n != batchRows+3 || size != 3*n {
		t.Fatalf("%d rows of %d bytes (%v), want %d of 3 bytes each", n, size, err, batchRows+3)
	}
	// A full batch and the last one that break the primary key.
	for _, rows := range []int{batchRows, 2} {
		b, err := newBatch(tx, "t", "id, v")
		if err != nil {
			t.Fatal(err)
		}
		err = nil
		for i := 0; i < rows && err == nil; i++ {
			err = b.add(int64(batchRows+2), []byte("again"))
		}
		if ferr := b.flush(); err == nil {
			err = ferr
		}
		if err == nil || !strings.Contains(err.Error(), "UNIQUE") {
			t.Errorf("a batch of %d rows that repeat a key: %v, want the constraint's error", rows, err)
		}
	}
	if err := run(func(args ...any) (*sql.Rows, error) {
		return tx.Query(`INSERT INTO t (id, v) VALUES (1, x'00')`, args...)
	}); err == nil {
		t.Error("run of a repeated key: no error")
	}
	if err := run(func(args ...any) (*sql.Rows, error) {
		return tx.Query(`INSERT INTO t (id, v) VALUES (?, NULL)`, args...)
	}, int64(9999)); err == nil {
		t.Error("run of a NULL into NOT NULL: no error")
	}
}
