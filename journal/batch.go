package journal

import (
	"database/sql"
	"strings"
)

// batchRows is how many rows one INSERT carries. Fewer statements means
// fewer trips through database/sql and cgo, which dominate the cost of a row.
const batchRows = 500

// batch inserts rows into one table with multi-row INSERT statements.
type batch struct {
	tx     *sql.Tx
	prefix string    // "INSERT INTO t (a, b) VALUES "
	row    string    // "(?, ?)": a row's values, parameters or constants
	cols   int       // the parameters of a row
	full   *sql.Stmt // batchRows rows
	args   []any
}

func newBatch(tx *sql.Tx, table, columns string) (*batch, error) {
	n := strings.Count(columns, ",") + 1
	return newBatchOf(tx, table, columns, "("+strings.Repeat("?, ", n-1)+"?)")
}

// newBatchOf is newBatch for rows of the form row, which may hold
// constants besides its parameters: a value the same in every row is
// written once in the statement rather than bound for each row.
func newBatchOf(tx *sql.Tx, table, columns, row string) (*batch, error) {
	b := &batch{tx: tx, prefix: "INSERT INTO " + table + " (" + columns + ") VALUES ", row: row, cols: strings.Count(row, "?")}
	st, err := tx.Prepare(b.query(batchRows))
	if err != nil {
		return nil, err
	}
	b.full = st
	b.args = make([]any, 0, batchRows*b.cols)
	return b, nil
}

func (b *batch) query(rows int) string {
	one := b.row
	var s strings.Builder
	s.WriteString(b.prefix)
	for i := 0; i < rows; i++ {
		if i > 0 {
			s.WriteString(", ")
		}
		s.WriteString(one)
	}
	return s.String()
}

// add queues one row; its values must number cols.
func (b *batch) add(values ...any) error {
	b.args = append(b.args, values...)
	if len(b.args) == cap(b.args) {
		if err := run(b.full.Query, b.args...); err != nil {
			return err
		}
		b.args = b.args[:0]
	}
	return nil
}

// empty reports whether no row is queued: every row added is written.
func (b *batch) empty() bool { return len(b.args) == 0 }

// flush writes the queued rows and closes the statement.
func (b *batch) flush() error {
	defer b.full.Close()
	if len(b.args) == 0 {
		return nil
	}
	err := run(func(args ...any) (*sql.Rows, error) { return b.tx.Query(b.query(len(b.args)/b.cols), args...) }, b.args...)
	b.args = b.args[:0]
	return err
}

// run runs a statement that returns no rows through query (a Query of a
// statement or a transaction), not Exec: the driver binds all of a Query's
// arguments in one cgo call, copied into one buffer, and takes the step
// that runs the statement in the same call, where Exec binds each
// argument with a call and a copy of its own (a statement of 500 link rows
// has 2,500: the binds were a third of a first cycle's staging).
func run(query func(args ...any) (*sql.Rows, error), args ...any) error {
	rows, err := query(args...)
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	err = rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

func (b *batch) close() { b.full.Close() }
