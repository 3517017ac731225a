package journal

import (
	"database/sql"
	"fmt"
	"math"
	"strconv"
)

// loadRow is an open link row as Load reads it. Its byte slices are valid
// until the next row; sum and baseSHA are nil for NULL.
type loadRow struct {
	id, written, opened     int64
	crmID, outlookKey, base []byte
	sum, baseSHA            []byte
}

// loadChunk is how many link ids one read of eachLoadRow covers.
const loadChunk = 8192

// eachLoadRow calls fn for every open link row, in id order. base is the
// row's whole base, or only its header (three bytes) when the row was
// written no later than hashAfter, is of the compact form and has no
// name account; baseSHA is the row's base_sha256 when it was written
// after hashAfter.
//
// SQLite hands the rows of a range of ids over as one text, each row its
// numbers and its values' lengths in decimal and then its values' bytes
// as they are: a million rows of eight columns read one by one through
// the driver cost about 3 µs a row, most of it the driver's and cgo's
// per row and column, against 0.3 µs for SQLite's scan.
func eachLoadRow(tx *sql.Tx, hashAfter int64, fn func(*loadRow) error) error {
	var minID, maxID sql.NullInt64
	// Two subqueries: SQLite finds a lone min() or max() of the rowid at
	// an end of the table, both in one query by scanning all of it.
	if err := tx.QueryRow(`SELECT (SELECT min(id) FROM links), (SELECT max(id) FROM links)`).Scan(&minID, &maxID); err != nil || !minID.Valid {
		return err
	}
	st, err := tx.Prepare(loadRowsQuery(`id >= ?2 AND id <= ?3`))
	if err != nil {
		return err
	}
	defer st.Close()
	last := int64(math.MinInt64)
	for lo := minID.Int64; ; lo += loadChunk {
		hi := lo + loadChunk - 1
		if hi < lo || hi >= maxID.Int64 {
			hi = maxID.Int64
		}
		if err := eachLoadText(stmtQuerier{st}, []any{hashAfter, lo, hi}, lo, hi, &last, fn); err != nil {
			return err
		}
		if hi == maxID.Int64 {
			return nil
		}
	}
}

// eachLoadRowOf is eachLoadRow for the open rows among the links ids
// (ascending).
func eachLoadRowOf(tx *sql.Tx, hashAfter int64, ids []int64, fn func(*loadRow) error) error {
	if len(ids) == 0 {
		return nil
	}
	st, err := tx.Prepare(loadRowsQuery(`id IN (SELECT value FROM json_each(?2))`))
	if err != nil {
		return err
	}
	defer st.Close()
	last := int64(math.MinInt64)
	var list []byte
	for start := 0; start < len(ids); start += loadChunk {
		chunk := ids[start:min(len(ids), start+loadChunk)]
		list = append(list[:0], '[')
		for i, id := range chunk {
			if i > 0 {
				list = append(list, ',')
			}
			list = strconv.AppendInt(list, id, 10)
		}
		list = append(list, ']')
		if err := eachLoadText(stmtQuerier{st}, []any{hashAfter, string(list)}, chunk[0], chunk[len(chunk)-1], &last, fn); err != nil {
			return err
		}
	}
	return nil
}

// loadRowsQuery is the query of the open link rows that where selects
// (?1 is hashAfter), as one text in id order.
func loadRowsQuery(where string) string {
	return `SELECT group_concat(concat(id, ',', written, ',', opened, ',',
			octet_length(crm_id), ',', octet_length(outlook_key), ',', octet_length(b), ',',
			coalesce(octet_length(base_sum), -1), ',', coalesce(octet_length(sha), -1), ',',
			crm_id, outlook_key, b, base_sum, sha), '')
		FROM (SELECT id, written, opened, crm_id, outlook_key,
			CASE WHEN written <= ?1 AND base_sum IS NOT NULL AND substr(base, 3, 1) = x'00' THEN substr(base, 1, 3) ELSE base END AS b,
			base_sum, CASE WHEN written > ?1 THEN base_sha256 END AS sha
			FROM links WHERE closed IS NULL AND ` + where + ` ORDER BY id)`
}

// eachLoadText runs the query of loadRowsQuery with args and calls fn for
// each row of its text, which must be of ids lo..hi and after last.
func eachLoadText(q querier, args []any, lo, hi int64, last *int64, fn func(*loadRow) error) error {
	var text sql.RawBytes
	var r loadRow
	return eachRow(q, "", args, func(rs *sql.Rows) error {
		if err := rs.Scan(&text); err != nil {
			return err
		}
		p := rowText{s: text}
		for len(p.s) > 0 {
			if err := p.row(&r); err != nil {
				return fmt.Errorf("link rows %d..%d: %w", lo, hi, err)
			}
			if r.id <= *last || r.id < lo || r.id > hi {
				return fmt.Errorf("link rows %d..%d: link %d after link %d", lo, hi, r.id, *last)
			}
			*last = r.id
			if err := fn(&r); err != nil {
				return err
			}
		}
		return nil
	})
}

// rowText reads the rows of eachLoadRow's text.
type rowText struct{ s []byte }

// row reads one row into r.
func (p *rowText) row(r *loadRow) error {
	var n [8]int64
	for i := range n {
		v, err := p.int()
		if err != nil {
			return err
		}
		n[i] = v
	}
	r.id, r.written, r.opened = n[0], n[1], n[2]
	var err error
	for i, dst := range []*[]byte{&r.crmID, &r.outlookKey, &r.base, &r.sum, &r.baseSHA} {
		if *dst, err = p.bytes(n[3+i]); err != nil {
			return err
		}
	}
	return nil
}

// int reads a decimal integer and the comma after it.
func (p *rowText) int() (int64, error) {
	i, neg := 0, false
	if i < len(p.s) && p.s[i] == '-' {
		neg, i = true, 1
	}
	var v int64
	start := i
	for ; i < len(p.s) && p.s[i] != ','; i++ {
		c := p.s[i]
		if c < '0' || c > '9' || v > (math.MaxInt64-int64(c-'0'))/10 {
			return 0, fmt.Errorf("unreadable number in a link row")
		}
		v = v*10 + int64(c-'0')
	}
	if i == start || i == len(p.s) {
		return 0, fmt.Errorf("a link row ends early")
	}
	p.s = p.s[i+1:]
	if neg {
		v = -v
	}
	return v, nil
}

// bytes reads n bytes; -1 is NULL (nil).
func (p *rowText) bytes(n int64) ([]byte, error) {
	if n == -1 {
		return nil, nil
	}
	if n < 0 || n > int64(len(p.s)) {
		return nil, fmt.Errorf("a value of %d bytes past the end of a link row", n)
	}
	b := p.s[:n:n]
	p.s = p.s[n:]
	if b == nil {
		b = []byte{}
	}
	return b, nil
}
