package journal

// The rows of a cycle beside its links: changes, conflicts, notices, the
// hashes of the link rows it wrote and its pending work, most of them as
// sets (see sets.go).

import (
	"cmp"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"contactsync/engine"
)

// setPart is a part of a set, made by one goroutine for another to
// insert.
type setPart struct {
	part int
	data []byte
}

// changeParts makes the parts of a cycle's set of changes (encodeHead,
// which encodes the changes for the hash chain from the same values) and
// hands them to the staging, which inserts them (insertParts) and gives
// their buffers back.
type changeParts struct {
	parts chan setPart
	free  chan []byte
	stop  chan struct{} // closed: the staging failed, make no more parts
}

func newChangeParts() *changeParts {
	return &changeParts{parts: make(chan setPart, 2), free: make(chan []byte, 4), stop: make(chan struct{})}
}

// writer returns the set writer of the changes, for the goroutine that
// makes them; it closes the parts once its last is written (done).
func (cp *changeParts) writer() *setWriter {
	return newSetEncoder(setChanges, func(part int, data []byte) error {
		select {
		case cp.parts <- setPart{part, data}:
			return nil
		case <-cp.stop:
			return errStopped
		}
	}, func() []byte {
		select {
		case b := <-cp.free:
			return b[:0]
		default:
			return nil
		}
	})
}

// done ends the parts: the writer has written its last.
func (cp *changeParts) done() { close(cp.parts) }

// errStopped is what a goroutine of a staging that failed returns.
var errStopped = errors.New("the staging stopped")

// insert inserts the parts of cycle n's changes as they come, until the
// writer is done.
func (cp *changeParts) insert(tx *sql.Tx, n int) error {
	st, err := tx.Prepare(`INSERT INTO sets (kind, cycle, part, data) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for p := range cp.parts {
		if _, err := st.Exec(setChanges, n, p.part, p.data); err != nil {
			return fmt.Errorf("changes part %d: %w", p.part, err)
		}
		select {
		case cp.free <- p.data:
		default:
		}
	}
	return nil
}

// putChange writes a change as a row of a set.
func putChange(w *setWriter, side string, c *engine.Change) {
	w.int(c.Link)
	w.word(side)
	w.word(string(c.Op))
	w.word(c.Field)
	w.str(c.Old)
	w.str(c.New)
	w.word(string(c.Rule))
	w.name(c.Name)
}

// getChange reads a change written by putChange; side is as stored.
func getChange(r *setReader, c *engine.Change) (side string, err error) {
	var op, rule string
	if c.Link, err = r.int(); err != nil {
		return
	}
	if side, err = r.word(); err != nil {
		return
	}
	if op, err = r.word(); err != nil {
		return
	}
	if c.Field, err = r.word(); err != nil {
		return
	}
	if c.Old, err = r.str(); err != nil {
		return
	}
	if c.New, err = r.str(); err != nil {
		return
	}
	if rule, err = r.word(); err != nil {
		return
	}
	c.Op, c.Rule = engine.Op(op), engine.Rule(rule)
	c.Name, err = r.name()
	return
}

func insertConflicts(tx *sql.Tx, n int, conflicts []engine.Conflict) error {
	b, err := newBatch(tx, "conflicts", "cycle, seq, link, field, base, crm, outlook, crm_time, outlook_time, winner, rule, name")
	if err != nil {
		return err
	}
	defer b.close()
	for i := range conflicts {
		c := &conflicts[i]
		r := conflictRowOf(c)
		if err := b.add(n, i+1, r.link, r.field, r.base, r.crm, r.outlook, r.crmTime, r.outlookTime, r.winner, r.rule, r.name); err != nil {
			return fmt.Errorf("conflicts: %w", err)
		}
	}
	if err := b.flush(); err != nil {
		return fmt.Errorf("conflicts: %w", err)
	}
	return nil
}

func insertNotices(tx *sql.Tx, n int, notices []engine.Notice) error {
	b, err := newBatch(tx, "notices", "cycle, seq, kind, link, message")
	if err != nil {
		return err
	}
	defer b.close()
	for i, x := range notices {
		if err := b.add(n, i+1, string(x.Kind), x.Link, x.Message); err != nil {
			return fmt.Errorf("notices: %w", err)
		}
	}
	if err := b.flush(); err != nil {
		return fmt.Errorf("notices: %w", err)
	}
	return nil
}

// pendingOf returns the pending work of the plan's links, in link order.
// The rows are counted first, and a document of an operation alone (a
// creation or a sync key to carry: a first cycle's million new links have
// a handful of different ones) is one string for all the rows that have
// it, not one each.
func pendingOf(plan *engine.Plan) []pendingRow {
	n := 0
	for i := range plan.Links {
		if p := plan.Links[i].Pending(); !isEmptyPending(&p.CRM) || !isEmptyPending(&p.Outlook) {
			n++
		}
	}
	out := make([]pendingRow, 0, n)
	docs := map[string]string{} // the documents of operations alone
	var buf []byte
	for i := range plan.Links {
		l := &plan.Links[i].Link
		var ok bool
		if buf, ok = appendCompactPending(buf[:0], l); !ok {
			continue
		}
		doc, shared := docs[string(buf)]
		if !shared {
			doc = string(buf)
			if p := l.Pending(); len(docs) < 64 && len(p.CRM.Fields)+len(p.Outlook.Fields)+len(p.CRM.Old)+len(p.Outlook.Old) == 0 {
				docs[doc] = doc
			}
		}
		out = append(out, pendingRow{l.ID, doc})
	}
	// The engine keeps links in id order; sorting anyway keeps the hash
	// order (by link, as Verify reads them) true for any plan.
	if !slices.IsSortedFunc(out, func(a, b pendingRow) int { return cmp.Compare(a.link, b.link) }) {
		slices.SortStableFunc(out, func(a, b pendingRow) int { return cmp.Compare(a.link, b.link) })
	}
	return out
}

// insertLinkWrites writes the hashes of the link rows cycle n wrote as a
// set, in link order: each link as the difference to the previous one.
func insertLinkWrites(tx *sql.Tx, n int, writes []linkWrite) error {
	return insertLinkSet(tx, n, setLinkWrites, "link writes", len(writes), func(i int) (int64, string) {
		return writes[i].link, writes[i].sum
	})
}

// eachLinkWrite calls fn for every link write of cycle n, in link order:
// the rows of link_writes (cycles before schema 6), then its set.
func eachLinkWrite(q querier, n int, fn func(linkWrite) error) error {
	return eachLinkSet(q, n, setLinkWrites, `SELECT link, sha256 FROM link_writes WHERE cycle = ? ORDER BY link`, func(link int64, sum string) error {
		return fn(linkWrite{link, sum})
	})
}

// insertPending writes the cycle's pending work as a set, in link order.
func insertPending(tx *sql.Tx, n int, pending []pendingRow) error {
	return insertLinkSet(tx, n, setPending, "pending work", len(pending), func(i int) (int64, string) {
		return pending[i].link, pending[i].doc
	})
}

// eachPending calls fn for every pending row of cycle n, in link order:
// the rows of the pending table (cycles before schema 6), then its set.
func eachPending(q querier, n int, fn func(pendingRow) error) error {
	return eachLinkSet(q, n, setPending, `SELECT link, doc FROM pending WHERE cycle = ? ORDER BY link`, func(link int64, doc string) error {
		return fn(pendingRow{link, doc})
	})
}

// insertLinkSet writes the set kind of cycle n: count rows of a link and a
// text, row(i) the i-th in link order, each link as the difference to the
// previous one. what names the rows in an error.
func insertLinkSet(tx *sql.Tx, n int, kind, what string, count int, row func(i int) (int64, string)) error {
	w, err := newSetWriter(tx, n, kind)
	if err != nil {
		return err
	}
	var prev int64
	for i := range count {
		link, text := row(i)
		w.int(link - prev)
		w.str(text)
		prev = link
		if err := w.end(); err != nil {
			w.close()
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	if err := w.close(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// eachLinkSet calls fn for every row of a link and a text of cycle n, in
// link order: the rows query selects from the table of cycles before
// schema 6, then those of its set of kind.
func eachLinkSet(q querier, n int, kind, query string, fn func(link int64, text string) error) error {
	if err := eachQ(q, query, n, func(rs *sql.Rows) error {
		var link int64
		var text string
		if err := rs.Scan(&link, &text); err != nil {
			return err
		}
		return fn(link, text)
	}); err != nil {
		return err
	}
	var prev int64
	return eachSet(q, kind, n, func(r *setReader) error {
		d, err := r.int()
		if err != nil {
			return err
		}
		text, err := r.str()
		if err != nil {
			return err
		}
		prev += d
		return fn(prev, text)
	})
}

// conflictRowOf is a conflict as the journal stores it.
func conflictRowOf(c *engine.Conflict) conflictRow {
	return conflictRow{c.Link, c.Field, c.Base, c.CRM, c.Outlook, stamp(c.CRMTime), stamp(c.OutlookTime), string(c.Winner), string(c.Rule), c.Name}
}

type conflictRow struct {
	link                                                                int64
	field, base, crm, outlook, crmTime, outlookTime, winner, rule, name string
}
