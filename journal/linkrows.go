package journal

// The link rows a cycle writes, and what their hashes cover.

import (
	"cmp"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"contactsync/engine"
	"contactsync/engine/contact"
)

// linkWrite is the hash of one link row version written by a cycle.
type linkWrite struct {
	link int64
	sum  string // hex for a row of the JSON form, raw bytes for a compact one
}

// value is the sum as link_writes stores it: hex as text, raw bytes as a blob.
func (w linkWrite) value() any {
	if len(w.sum) == rowSumSize {
		return []byte(w.sum)
	}
	return w.sum
}

// writeLinks inserts the new links (ids from firstNew on, as the engine
// numbers them from State.NextLinkID), rewrites the changed old ones, closes
// plan.Closed, and records each row's hash in link_writes. The version of
// every row it rewrites, closes or reopens is kept in link_history first.
// The writes and the history come back in link order, as the chain hashes
// them. Rows are written in the compact form (schema 4).
func (j *Journal) writeLinks(conn *sql.Conn, tx *sql.Tx, n int, firstNew int64, plan *engine.Plan, loaded *loadedState, reopen []int64) ([]linkWrite, []historyRow, error) {
	insert := newRawBatch(conn, tx, "links", "id, crm_id, outlook_key, base, base_sha256, base_sum, opened, written",
		fmt.Sprintf("(?, ?, ?, ?, '', ?, %d, %d)", n, n))
	defer insert.close()
	closeSt, err := tx.Prepare(`UPDATE links SET closed = ?, written = ?,
		base_sha256 = CASE WHEN base_sum IS NULL THEN base_sha256 ELSE '' END
		WHERE id = ? AND closed IS NULL
		RETURNING crm_id, outlook_key, base, base_sha256, base_sum, opened`)
	if err != nil {
		return nil, nil, err
	}
	defer closeSt.Close()
	readBase, err := tx.Prepare(`SELECT base FROM links WHERE id = ? AND closed IS NULL`)
	if err != nil {
		return nil, nil, err
	}
	defer readBase.Close()

	var history []historyRow
	// remember keeps the rows of links ids as they are before this cycle
	// rewrites or closes them, a statement for up to basesChunk of them.
	remember := func(ids []int64) error {
		for start := 0; start < len(ids); start += basesChunk {
			chunk := ids[start:min(len(ids), start+basesChunk)]
			args := make([]any, 0, len(chunk)+1)
			args = append(args, n)
			for _, id := range chunk {
				args = append(args, id)
			}
			if err := eachRow(tx, `INSERT INTO link_history (cycle, link, crm_id, outlook_key, base, written)
				SELECT ?, id, crm_id, outlook_key, base, written FROM links WHERE id IN (?`+strings.Repeat(", ?", len(chunk)-1)+`) AND closed IS NULL
				RETURNING link, crm_id, outlook_key, base, written`, args, func(rs *sql.Rows) error {
				var h historyRow
				if err := rs.Scan(&h.link, &h.crmID, &h.outlookKey, &h.base, &h.written); err != nil {
					return err
				}
				history = append(history, h)
				return nil
			}); err != nil {
				return fmt.Errorf("links %d..%d: keep their rows: %w", chunk[0], chunk[len(chunk)-1], err)
			}
		}
		return nil
	}
	// Room for a row of each new link and each closed one (a first
	// cycle's million writes grew the slice twenty times).
	writes := make([]linkWrite, 0, min(max(plan.NextLinkID-firstNew, 0), int64(len(plan.Links)))+int64(len(plan.Closed)))
	rc := newChain()
	rows := &rowMaker{n: n}
	rewrites := &rewriter{tx: tx, n: n, rows: rows, rc: rc, history: &history, writes: &writes}
	defer rewrites.close()
	reopened := map[int64]bool{}
	for _, id := range reopen {
		// A link this cycle reopens (a discarded cycle had closed it).
		var h historyRow
		if err := tx.QueryRow(`INSERT INTO link_history (cycle, link, crm_id, outlook_key, base, written)
			SELECT ?, id, crm_id, outlook_key, base, written FROM links WHERE id = ? AND closed IS NOT NULL
			RETURNING link, crm_id, outlook_key, base, written`, n, id).Scan(&h.link, &h.crmID, &h.outlookKey, &h.base, &h.written); err != nil {
			return nil, nil, fmt.Errorf("reopen link %d: the journal has no closed link with that id: %w", id, err)
		}
		history = append(history, h)
		if _, err := tx.Exec(`UPDATE links SET closed = NULL WHERE id = ?`, id); err != nil {
			return nil, nil, fmt.Errorf("reopen link %d: %w", id, err)
		}
		reopened[id] = true
	}
	// The rows of new links are made and hashed (packing each base, a
	// sha256 of each row: some 1.5 s of CPU at a million) by a goroutine
	// of their own, beside SQLite's inserts, a batch ahead; the rest goes
	// through SQLite here, in link order.
	made := makeLinkRows(plan, n, firstNew, loaded, reopened)
	defer func() {
		close(made.stop)
		for range made.jobs { // it reads loaded: done before writeLinks returns
		}
	}()
	var sums contact.Arena // the hashes of rows made here, until the commit
	// held are the batches whose rows insert may hold, not yet written.
	var held []*linkBatch
	for batch := range made.jobs {
		for _, job := range batch.jobs {
			if job.err != nil {
				return nil, nil, job.err
			}
			l := job.l
			if job.ready {
				if err := insert.add(l.ID, l.CRMID, l.OutlookKey, job.row.base, job.row.baseSum); err != nil {
					return nil, nil, fmt.Errorf("new links: %w", err)
				}
				writes = append(writes, linkWrite{l.ID, job.sum})
				if insert.empty() { // written: so are the batches before
					for _, b := range held {
						made.done(b)
					}
					held = held[:0]
				}
				continue
			}
			if l.ID < firstNew && !reopened[l.ID] {
				if err := rewrites.add(l); err != nil {
					return nil, nil, err
				}
				continue
			}
			// The engine did not read the base: it is the row's.
			var doc string
			if err := readBase.QueryRow(l.ID).Scan(&doc); err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					return nil, nil, fmt.Errorf("link %d comes without its base and the journal has no open row for it", l.ID)
				}
				return nil, nil, fmt.Errorf("link %d: %w", l.ID, err)
			}
			var err error
			if l, err = withStoredBase(l, doc); err != nil {
				return nil, nil, err
			}
			row := rows.make(l)
			if err := insert.add(l.ID, l.CRMID, l.OutlookKey, row.base, row.baseSum); err != nil {
				return nil, nil, fmt.Errorf("new links: %w", err)
			}
			writes = append(writes, linkWrite{l.ID, sums.String(row.sumBytes(rc))})
		}
		held = append(held, batch)
	}
	if err := rewrites.flush(); err != nil {
		return nil, nil, err
	}
	if err := insert.flush(); err != nil {
		return nil, nil, fmt.Errorf("new links: %w", err)
	}
	if err := remember(plan.Closed); err != nil {
		return nil, nil, err
	}
	for _, id := range plan.Closed {
		row := linkRow{id: id, written: n, closed: n}
		if err := closeSt.QueryRow(n, n, id).Scan(&row.crmID, &row.outlookKey, &row.base, &row.baseSHA, &row.baseSum, &row.opened); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return nil, nil, fmt.Errorf("close link %d: the journal has no open link with that id", id)
			}
			return nil, nil, fmt.Errorf("close link %d: %w", id, err)
		}
		writes = append(writes, linkWrite{id, row.sum(rc)})
	}
	slices.SortFunc(writes, func(a, b linkWrite) int { return cmp.Compare(a.link, b.link) })
	for i := 1; i < len(writes); i++ {
		if writes[i-1].link == writes[i].link {
			return nil, nil, fmt.Errorf("link %d is written twice in one cycle", writes[i].link)
		}
	}
	if err := insertLinkWrites(tx, n, writes); err != nil {
		return nil, nil, err
	}
	slices.SortFunc(history, func(a, b historyRow) int { return cmp.Compare(a.link, b.link) })
	for i := 1; i < len(history); i++ {
		if history[i-1].link == history[i].link {
			return nil, nil, fmt.Errorf("link %d is written twice in one cycle", history[i].link)
		}
	}
	return writes, history, nil
}

// linkJob is a changed link of a plan as makeLinkRows passes it on: a
// new link with its row made and hashed (ready), or one that needs SQLite
// first (an old row to rewrite, a base to read), or an error.
type linkJob struct {
	l     *engine.Link
	ready bool
	row   linkRow
	sum   string
	err   error
}

// linkBatch is a batch of linkJobs and the bytes of their rows (bases and
// sums), which the rows point into until they are written.
type linkBatch struct {
	jobs  []linkJob
	blobs []byte
}

// linkRows is makeLinkRows under way: jobs brings the batches, free takes
// back those whose rows are written, for the batches to come (a first
// cycle's million rows made some 400 MB of batches and row bytes that
// lived only until SQLite had copied them), and closing stop stops it.
type linkRows struct {
	jobs <-chan *linkBatch
	free chan<- *linkBatch
	stop chan struct{}
}

// done gives b back for the batches to come; every row of b is written.
func (r *linkRows) done(b *linkBatch) {
	select {
	case r.free <- b:
	default: // enough batches wait: b goes to the collector
	}
}

// makeLinkRows sends the changed links of plan whose rows writeLinks
// writes, in link order, in batches: a new link with its base is sent
// with its row (opened and written by cycle n) and the row's hash. A link
// whose row is what loaded read (only its pending work changed) is not
// sent. It stops when stop is closed, and closes jobs when it is done.
func makeLinkRows(plan *engine.Plan, n int, firstNew int64, loaded *loadedState, reopened map[int64]bool) *linkRows {
	const batchSize = 256
	jobs, free, stop := make(chan *linkBatch, 4), make(chan *linkBatch, 8), make(chan struct{})
	go func() {
		defer close(jobs)
		rows, rc := &rowMaker{n: n}, newChain()
		var sums contact.Arena
		var batch *linkBatch
		next := func() {
			select {
			case batch = <-free:
				batch.jobs, batch.blobs = batch.jobs[:0], batch.blobs[:0]
			default:
				batch = &linkBatch{jobs: make([]linkJob, 0, batchSize), blobs: make([]byte, 0, 64<<10)}
			}
			rows.to = &batch.blobs
		}
		send := func() bool {
			select {
			case jobs <- batch:
				next()
				return true
			case <-stop:
				return false
			}
		}
		next()
		for i := range plan.Links {
			ls := &plan.Links[i]
			if !ls.Changed {
				continue
			}
			l := &ls.Link
			job := linkJob{l: l}
			old := l.ID < firstNew && !reopened[l.ID]
			switch {
			case l.ID <= 0:
				job.err = fmt.Errorf("link with id %d: ids start at 1", l.ID)
			case old && loaded != nil && loaded.unchanged(l):
				continue // only its pending work changed; see Commit
			case !old && l.HasBase():
				job.row = rows.make(l)
				job.sum, job.ready = sums.String(job.row.sumBytes(rc)), true
			}
			batch.jobs = append(batch.jobs, job)
			if job.err != nil || len(batch.jobs) == batchSize {
				if !send() || job.err != nil {
					return
				}
			}
		}
		if len(batch.jobs) > 0 {
			send()
		}
	}()
	return &linkRows{jobs: jobs, free: free, stop: stop}
}

// linkRow is what a link row's hash covers. A row of the compact form
// (base_sum set, schema 4) is covered whole, base included, and its hash
// is the first 16 raw bytes of the sha256 (a second preimage still takes
// 2^128 tries; a link_writes row is 30 bytes instead of 100); a row of the JSON form is covered through its
// base_sha256, which Verify checks against the base itself, and its hash
// is hex, as its cycle recorded it.
type linkRow struct {
	id                      int64
	crmID, outlookKey       string
	baseSHA                 string // the JSON form's base_sha256
	base, baseSum           []byte // the compact form's base and BaseSum
	opened, written, closed int    // closed 0: open
}

// rowSumSize is the length of a compact row's hash.
const rowSumSize = 16

// matches reports whether the row has the hash its cycle recorded. A
// compact row written before the hash was cut to 16 bytes has all 32.
//
// A compact row that migration 5 converted from the JSON form keeps the
// hex hash its cycle recorded for the JSON row and its base_sha256: its
// JSON is rebuilt from the compact base (the form gives it back byte for
// byte) and checked as the JSON row was. Any other compact row has no
// base_sha256.
func (r *linkRow) matches(c *chain, recorded string) bool {
	switch {
	case !r.compact():
		return r.sum(c) == recorded
	case len(recorded) == 2*sha256.Size:
		var l engine.Link
		if decodeCompactBase(string(r.base), &l) != nil {
			return false
		}
		s := sha256.Sum256(appendLinkBase(nil, &l))
		if hex.EncodeToString(s[:]) != r.baseSHA {
			return false
		}
		old := *r
		old.base, old.baseSum = nil, nil
		return old.sum(c) == recorded
	case r.baseSHA != "":
		return false
	case len(recorded) == sha256.Size:
		r.sumBytes(c)
		return string(c.out) == recorded
	}
	return r.sum(c) == recorded
}

// compact reports whether the row is of the compact form.
func (r *linkRow) compact() bool { return r.baseSum != nil }

// sum returns the row's hash, using c (reset first) to hash it.
func (r *linkRow) sum(c *chain) string {
	if r.compact() {
		return string(r.sumBytes(c))
	}
	return r.jsonSum(c)
}

// sumBytes is sum of a compact row in c's buffer: valid until c hashes
// again (c.out holds the whole sha256). The row is encoded as chain's
// str, int and tag encode it and hashed in one call.
func (r *linkRow) sumBytes(c *chain) []byte {
	if !r.compact() {
		return []byte(r.jsonSum(c))
	}
	b := appendChainTag(c.buf[:0], "link v2")
	b = appendChainInt(b, r.id)
	for _, s := range [...]string{r.crmID, r.outlookKey, unsafeString(r.base), unsafeString(r.baseSum)} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = appendChainInt(b, int64(r.opened))
	b = appendChainInt(b, int64(r.written))
	b = appendChainInt(b, int64(r.closed))
	sum := sha256.Sum256(b)
	c.buf = b[:0]
	c.out = append(c.out[:0], sum[:]...)
	return c.out[:rowSumSize]
}

// jsonSum is sum of a row of the JSON form.
func (r *linkRow) jsonSum(c *chain) string {
	c.reset()
	c.tag("link")
	c.int(r.id)
	c.str(r.crmID)
	c.str(r.outlookKey)
	c.str(r.baseSHA)
	c.int(int64(r.opened))
	c.int(int64(r.written))
	c.int(int64(r.closed))
	return c.sum()
}

// historyRow is one link row version a cycle replaced (link_history).
type historyRow struct {
	link              int64
	crmID, outlookKey string
	base              string
	written           int
}
