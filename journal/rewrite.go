package journal

// The rows of old links a cycle rewrites.

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"contactsync/engine"
	"contactsync/engine/contact"
)

// rewriter rewrites the rows of old links, basesChunk at a time. It
// reads each row as it is once: that version is kept in link_history
// (copied by SQLite from the row, in the same transaction, and hashed from
// what was read), a link whose base the engine did not read takes it from
// there, and the row's opened goes into the new version's hash. Then one
// UPDATE rewrites the chunk. A second cycle at a million links rewrites
// about a hundred thousand rows (the CRM's ids of the records the first
// created arrive); reading each of them back three times (its base, its
// old version, its opened) was most of the cost of staging it.
type rewriter struct {
	tx      *sql.Tx
	n       int
	queued  []*engine.Link
	at      map[int64]int // a queued link's row in olds
	olds    []oldRow
	strs    contact.Arena // the old versions' text, kept until the commit
	rows    *rowMaker
	rc      *chain
	history *[]historyRow
	writes  *[]linkWrite
	// stmts are the statements of a full chunk, prepared once: a
	// statement of 2,500 parameters takes longer to prepare than to run.
	stmts map[string]*sql.Stmt
}

// stmt returns query prepared when it is for a full chunk (count
// basesChunk), else nil: the last chunk's is prepared as it runs.
func (w *rewriter) stmt(query string, count int) (*sql.Stmt, error) {
	if count != basesChunk {
		return nil, nil
	}
	if st := w.stmts[query]; st != nil {
		return st, nil
	}
	st, err := w.tx.Prepare(query)
	if err != nil {
		return nil, err
	}
	if w.stmts == nil {
		w.stmts = map[string]*sql.Stmt{}
	}
	w.stmts[query] = st
	return st, nil
}

// exec runs query, prepared for a full chunk, and returns the rows it
// changed. It runs through Query (see run): one bind of the chunk's
// 2,500 values instead of 2,500.
func (w *rewriter) exec(query string, count int, args []any) (int64, error) {
	st, err := w.stmt(query, count)
	if err != nil {
		return 0, err
	}
	q := func(args ...any) (*sql.Rows, error) { return w.tx.Query(query, args...) }
	if st != nil {
		q = st.Query
	}
	if err := run(q, args...); err != nil {
		return 0, err
	}
	var k int64
	err = w.tx.QueryRow(`SELECT changes()`).Scan(&k)
	return k, err
}

// close releases the prepared statements.
func (w *rewriter) close() {
	for _, st := range w.stmts {
		st.Close()
	}
}

// oldRow is a link row as it was before the cycle.
type oldRow struct {
	historyRow
	opened int
}

// add queues the rewrite of l's row; a full chunk is written.
func (w *rewriter) add(l *engine.Link) error {
	w.queued = append(w.queued, l)
	if len(w.queued) == basesChunk {
		return w.flush()
	}
	return nil
}

// flush rewrites the queued rows.
func (w *rewriter) flush() error {
	q := w.queued
	if len(q) == 0 {
		return nil
	}
	first, last := q[0].ID, q[len(q)-1].ID
	args := make([]any, len(q))
	for i, l := range q {
		args[i] = l.ID
	}
	in := `(?` + strings.Repeat(", ?", len(q)-1) + `)`
	if err := w.read(in, len(q), args); err != nil {
		return fmt.Errorf("links %d..%d: %w", first, last, err)
	}
	k, err := w.exec(`INSERT INTO link_history (cycle, link, crm_id, outlook_key, base, written)
		SELECT `+strconv.Itoa(w.n)+`, id, crm_id, outlook_key, base, written FROM links WHERE closed IS NULL AND id IN `+in, len(q), args)
	if err != nil {
		return fmt.Errorf("links %d..%d: keep their rows: %w", first, last, err)
	}
	if k != int64(len(w.olds)) {
		return fmt.Errorf("links %d..%d: %d rows kept of the %d read", first, last, k, len(w.olds))
	}
	for i := range w.olds {
		*w.history = append(*w.history, w.olds[i].historyRow)
	}
	up := make([]any, 0, 5*len(q))
	for _, l := range q {
		k, ok := w.at[l.ID]
		if !ok {
			return fmt.Errorf("link %d: the journal has no open link with that id (a closed link is never reopened)", l.ID)
		}
		old := &w.olds[k]
		row, stored := w.rows.makeStored(l, old.base)
		if !stored {
			if !l.HasBase() {
				// The engine did not read the base: it is the row's.
				if l, err = withStoredBase(l, old.base); err != nil {
					return err
				}
			}
			row = w.rows.make(l)
		}
		row.opened = old.opened
		up = append(up, l.ID, l.CRMID, l.OutlookKey, row.base, row.baseSum)
		*w.writes = append(*w.writes, linkWrite{l.ID, row.sum(w.rc)})
	}
	k, err = w.exec(`UPDATE links SET crm_id = v.column2, outlook_key = v.column3, base = v.column4, base_sha256 = '', base_sum = v.column5, written = `+strconv.Itoa(w.n)+`
		FROM (VALUES (?, ?, ?, ?, ?)`+strings.Repeat(", (?, ?, ?, ?, ?)", len(q)-1)+`) AS v
		WHERE links.id = v.column1 AND links.closed IS NULL`, len(q), up)
	if err != nil {
		return fmt.Errorf("links %d..%d: %w", first, last, err)
	}
	if k != int64(len(q)) {
		return fmt.Errorf("links %d..%d: %d rows rewritten of %d", first, last, k, len(q))
	}
	w.queued = w.queued[:0]
	return nil
}

// read reads the open rows of the links in (the ids args) into olds.
func (w *rewriter) read(in string, count int, args []any) error {
	if w.at == nil {
		w.at = make(map[int64]int, basesChunk)
	}
	clear(w.at)
	w.olds = w.olds[:0]
	var q querier = w.tx
	query := `SELECT id, crm_id, outlook_key, base, written, opened FROM links WHERE closed IS NULL AND id IN ` + in
	st, err := w.stmt(query, count)
	if err != nil {
		return err
	}
	if st != nil {
		q, query = stmtQuerier{st}, ""
	}
	var crmID, key, base sql.RawBytes
	return eachRow(q, query, args, func(rs *sql.Rows) error {
		var id, written, opened int64
		if err := rs.Scan(&id, &crmID, &key, &base, &written, &opened); err != nil {
			return err
		}
		w.at[id] = len(w.olds)
		w.olds = append(w.olds, oldRow{historyRow{id, w.strs.String(crmID), w.strs.String(key), w.strs.String(base), int(written)}, int(opened)})
		return nil
	})
}

// stmtQuerier runs a prepared statement as a querier (its query text
// is the statement's).
type stmtQuerier struct{ st *sql.Stmt }

func (s stmtQuerier) Query(_ string, args ...any) (*sql.Rows, error) { return s.st.Query(args...) }
func (s stmtQuerier) QueryRow(_ string, args ...any) *sql.Row        { return s.st.QueryRow(args...) }

// withStoredBase is a copy of l with the base a stored row holds, doc.
func withStoredBase(l *engine.Link, doc string) (*engine.Link, error) {
	var stored engine.Link
	if err := decodeBase(doc, &stored); err != nil {
		return nil, fmt.Errorf("link %d: %w", l.ID, err)
	}
	cp := *l
	cp.Base = stored.Base
	if cp.Base == nil {
		cp.Base = new(contact.Values)
	}
	return &cp, nil
}

// rowMaker makes the compact rows of links as a cycle writes them. The
// rows' bases and sums are copied into blobs, which the batches hold
// until they are written: an allocation per 64 KB instead of two per
// link.
type rowMaker struct {
	n     int
	buf   []byte
	blobs contact.Arena
	// to, when set, takes the rows' bytes instead of blobs: the buffer of
	// a batch of rows, used again once they are written (makeLinkRows).
	to *[]byte
}

// make returns the row of l written by cycle n, opened by it.
func (m *rowMaker) make(l *engine.Link) linkRow {
	bs := l.BaseSum
	if l.Base != nil || bs.IsZero() { // a packed base has its sum
		bs = engine.SumValues(l.Values())
	}
	row := linkRow{id: l.ID, crmID: l.CRMID, outlookKey: l.OutlookKey, opened: m.n, written: m.n}
	if m.to != nil {
		b := *m.to
		start := len(b)
		b = appendCompactBase(b, l)
		mid := len(b)
		b = append(b, bs[:]...)
		row.base, row.baseSum = b[start:mid:mid], b[mid:len(b):len(b)]
		*m.to = b
		return row
	}
	m.buf = appendCompactBase(m.buf[:0], l)
	row.base, row.baseSum = m.blobs.Bytes(m.buf), m.blobs.Bytes(bs[:])
	return row
}

// makeStored returns the row of l, whose base the engine did not read,
// with the base its stored row holds, doc: l's header and the stored
// values as they are, which is what make gives for the values decoded
// (the compact form has one encoding of a base), and l's BaseSum, which
// Load read with the row. A second cycle at a million links rewrites some
// hundred thousand rows whose CRM ids arrived, most of them so; decoding
// each base and packing it again took 0.35 s of CPU. It reports false
// (and make must do it) for a link that carries a base or no sum, or a
// doc that is not of the compact form or does not read.
func (m *rowMaker) makeStored(l *engine.Link, doc string) (linkRow, bool) {
	if l.HasBase() || l.BaseSum.IsZero() {
		return linkRow{}, false
	}
	d := compactReader{s: doc}
	var h engine.Link
	if d.header(&h) != nil {
		return linkRow{}, false
	}
	start := d.i
	if d.values(nil) != nil {
		return linkRow{}, false
	}
	m.buf = appendCompactHeader(m.buf[:0], l)
	m.buf = append(m.buf, doc[start:]...)
	bs := l.BaseSum
	return linkRow{id: l.ID, crmID: l.CRMID, outlookKey: l.OutlookKey, base: m.blobs.Bytes(m.buf), baseSum: m.blobs.Bytes(bs[:]), opened: m.n, written: m.n}, true
}
