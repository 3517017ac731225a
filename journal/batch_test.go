package journal

import (
	"context"
	"database/sql"
	"fmt"
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

// A raw batch writes its rows, full statements and the last, in the
// transaction of its connection, reports a row that breaks a constraint,
// and runs nothing once the transaction is gone: a statement run then
// would be committed on its own.
func TestRawBatchWritesInItsTransactionOnly(t *testing.T) {
	j := openTest(t, filepath.Join(t.TempDir(), "sync.db"))
	ctx := context.Background()
	conn, err := j.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT NOT NULL, v BLOB NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		var n int
		if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM t WHERE s = 'k' || id AND v = CAST('v' || id AS BLOB)`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := newRawBatch(conn, tx, "t", "id, s, v", "(?, ?, ?)")
	for i := range 2*batchRows + 3 {
		if err := b.add(int64(i), fmt.Sprint("k", i), []byte(fmt.Sprint("v", i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.flush(); err != nil {
		t.Fatal(err)
	}
	// A full statement that breaks the primary key fails.
	b = newRawBatch(conn, tx, "t", "id, s, v", "(?, ?, ?)")
	var failed error
	for i := range batchRows {
		if failed = b.add(int64(i), "k", []byte("v")); failed != nil {
			break
		}
	}
	b.close()
	if failed == nil || !strings.Contains(failed.Error(), "UNIQUE") {
		t.Errorf("a full statement breaking the primary key: %v, want a UNIQUE constraint error", failed)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 0 {
		t.Fatalf("%d rows after the rollback, want 0", n)
	}
	// The transaction is gone: a full statement is not run.
	b = newRawBatch(conn, tx, "t", "id, s, v", "(?, ?, ?)")
	for i := range batchRows {
		if failed = b.add(int64(i), fmt.Sprint("k", i), []byte(fmt.Sprint("v", i))); failed != nil {
			break
		}
	}
	b.close()
	if failed == nil || !strings.Contains(failed.Error(), "transaction is no longer open") {
		t.Errorf("a full statement outside the transaction: %v, want it refused", failed)
	}
	if n := count(); n != 0 {
		t.Errorf("%d rows written outside the transaction, want 0", n)
	}
	// In a transaction again, every row is written.
	tx, err = conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	b = newRawBatch(conn, tx, "t", "id, s, v", "(?, ?, ?)")
	for i := range batchRows + 1 {
		if err := b.add(int64(i), fmt.Sprint("k", i), []byte(fmt.Sprint("v", i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.flush(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != batchRows+1 {
		t.Errorf("%d rows, want %d", n, batchRows+1)
	}
}
