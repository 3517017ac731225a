package journal

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/mattn/go-sqlite3"
)

// rawBatch is a batch whose full statements run on the driver's own
// statement, prepared on the connection of the transaction, with one slice
// of arguments used for every run: database/sql makes a new slice of a
// statement's arguments for each run and checks each value (a first
// cycle's million link rows, 2,000 statements of 2,500 values: 200 MB for
// the collector and 0.2 s of CPU). Its values must be driver values
// (int64, string, []byte, ...). The last, partial statement goes through
// the transaction, as a batch's does.
type rawBatch struct {
	batch // full is not prepared
	conn  *sql.Conn
	st    driver.Stmt // batchRows rows
	nvs   []driver.NamedValue
}

// newRawBatch is newBatchOf for a transaction of conn.
func newRawBatch(conn *sql.Conn, tx *sql.Tx, table, columns, row string) *rawBatch {
	b := &rawBatch{batch: batch{tx: tx, prefix: "INSERT INTO " + table + " (" + columns + ") VALUES ", row: row, cols: strings.Count(row, "?")}, conn: conn}
	b.args = make([]any, 0, batchRows*b.cols)
	return b
}

// add queues one row; its values must number cols.
func (b *rawBatch) add(values ...any) error {
	b.args = append(b.args, values...)
	if len(b.args) < cap(b.args) {
		return nil
	}
	err := b.conn.Raw(b.runFull)
	b.args = b.args[:0]
	return err
}

// runFull runs the full statement of the queued rows on the driver's
// connection dc.
func (b *rawBatch) runFull(dc any) error {
	c, ok := dc.(*sqlite3.SQLiteConn)
	if !ok {
		return fmt.Errorf("the journal's connection is a %T, not SQLite's", dc)
	}
	// Only inside the cycle's transaction: a statement run after it was
	// rolled back (its context done) would be committed on its own.
	if c.AutoCommit() {
		return errors.New("the cycle's transaction is no longer open")
	}
	if b.st == nil {
		st, err := c.Prepare(b.query(batchRows))
		if err != nil {
			return err
		}
		b.st = st
		b.nvs = make([]driver.NamedValue, len(b.args))
		for i := range b.nvs {
			b.nvs[i].Ordinal = i + 1
		}
	}
	q, ok := b.st.(driver.StmtQueryContext)
	if !ok {
		return fmt.Errorf("the driver's statement is a %T, which cannot be queried", b.st)
	}
	for i, v := range b.args {
		if !driver.IsValue(v) {
			return fmt.Errorf("value %d of a row is a %T, not a driver's value", i%b.cols+1, v)
		}
		b.nvs[i].Value = v
	}
	// Through Query, not Exec: see run.
	rows, err := q.QueryContext(context.Background(), b.nvs)
	if err != nil {
		return err
	}
	for err == nil {
		err = rows.Next(nil)
	}
	if err == io.EOF {
		err = nil
	}
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

// flush writes the queued rows through the transaction and closes the
// driver's statement.
func (b *rawBatch) flush() error {
	defer b.close()
	if len(b.args) == 0 {
		return nil
	}
	err := run(func(args ...any) (*sql.Rows, error) { return b.tx.Query(b.query(len(b.args)/b.cols), args...) }, b.args...)
	b.args = b.args[:0]
	return err
}

// close closes the driver's statement.
func (b *rawBatch) close() {
	if st := b.st; st != nil {
		b.st = nil
		b.conn.Raw(func(any) error { return st.Close() })
	}
}
