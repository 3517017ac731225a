package journal

// Link pages (schema 9): what Load reads of the open links, stored apart
// from their rows, a few thousand links to a blob.

import (
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"contactsync/engine"
	"contactsync/engine/contact"
)

// A page (link_pages.data):
//
//	0x01                          the form
//	uvarint links
//	links × {
//	  uvarint id - the previous link's id in the page (0 before the first): > 0
//	  detached                    0 none, 1 crm, 2 outlook
//	  uvarint shared, uvarint len, bytes   the CRM id: its first shared bytes
//	                              are the previous link's, then len bytes
//	  uvarint shared, uvarint len, bytes   the Outlook key, the same way
//	  uvarint len, name_account
//	  16 bytes                    base_sum, as the link's row holds it
//	}
//
// Keys of neighbouring links share most of their bytes ("C0000000123",
// "C0000000124"), so a link takes some 30 bytes of a page. The pages hold
// the links in id order, numbered from 0, all of one cycle.
const pageForm = 0x01

// pageLinks is how many links a page holds (the last one fewer).
const pageLinks = 4096

// pagesRewriteShare and pagesMaxCycles bound what Load reads besides
// the pages: a commit rewrites them when the link rows written since
// their cycle (this cycle's included) would number more than an eighth of
// the open links, or they would be pagesMaxCycles cycles old.
const (
	pagesRewriteShare = 8
	pagesMaxCycles    = 32
)

// loadedPages is what Load found of the pages, for the next commit.
type loadedPages struct {
	ok    bool // Load read the links from the pages and the rows after them
	cycle int  // the pages' cycle
	delta int  // the links written by the cycles after it
}

// keep reports whether the commit of cycle n, which wrote writes link
// rows and leaves open links open, may leave the pages as they are: Load
// then reads the rows the cycles after the pages' wrote, this one's too.
func (p loadedPages) keep(n, writes int, open int64) bool {
	return p.ok && n-p.cycle < pagesMaxCycles && int64(p.delta+writes)*pagesRewriteShare <= open
}

// pageBaseSum is the base_sum the row of l holds once a cycle wrote it
// (rowMaker.make): a link carrying its base gets its sum made where the
// row is; one whose base was not read keeps its row's base and sum.
func pageBaseSum(l *engine.Link) engine.BaseSum {
	if bs := l.BaseSum; l.HasBase() && (l.Base != nil || bs.IsZero()) {
		return engine.SumValues(l.Values())
	}
	return l.BaseSum
}

// writePages replaces the link pages with the links open after cycle n,
// links (in id order).
func writePages(tx *sql.Tx, n int, links []engine.LinkState) error {
	if _, err := tx.Exec(`DELETE FROM link_pages`); err != nil {
		return err
	}
	st, err := tx.Prepare(`INSERT INTO link_pages (page, cycle, links, data) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	var w pageWriter
	for start, page := 0, 0; start < len(links); start, page = start+pageLinks, page+1 {
		chunk := links[start:min(len(links), start+pageLinks)]
		data, err := w.page(chunk)
		if err != nil {
			return err
		}
		if _, err := st.Exec(page, n, len(chunk), data); err != nil {
			return fmt.Errorf("link page %d: %w", page, err)
		}
	}
	return nil
}

// pageWriter encodes pages, reusing its buffer.
type pageWriter struct{ buf []byte }

// page encodes the links of one page.
func (w *pageWriter) page(links []engine.LinkState) ([]byte, error) {
	b := append(w.buf[:0], pageForm)
	b = binary.AppendUvarint(b, uint64(len(links)))
	var prev *engine.Link
	var prevID int64
	for i := range links {
		l := &links[i].Link
		if l.ID <= prevID {
			return nil, fmt.Errorf("link pages: link %d after link %d", l.ID, prevID)
		}
		b = binary.AppendUvarint(b, uint64(l.ID-prevID))
		b = append(b, byte(l.Detached))
		var crmPrev, keyPrev string
		if prev != nil {
			crmPrev, keyPrev = prev.CRMID, prev.OutlookKey
		}
		b = appendShared(b, crmPrev, l.CRMID)
		b = appendShared(b, keyPrev, l.OutlookKey)
		b = binary.AppendUvarint(b, uint64(len(l.NameAccount)))
		b = append(b, l.NameAccount...)
		sum := pageBaseSum(l)
		b = append(b, sum[:]...)
		prev, prevID = l, l.ID
	}
	w.buf = b
	return b, nil
}

// appendShared appends s as the length of its prefix shared with prev,
// and the rest with its length.
func appendShared(b []byte, prev, s string) []byte {
	k := 0
	for k < len(prev) && k < len(s) && prev[k] == s[k] {
		k++
	}
	b = binary.AppendUvarint(b, uint64(k))
	b = binary.AppendUvarint(b, uint64(len(s)-k))
	return append(b, s[k:]...)
}

// pageLink is one link of a page as pageReader reads it. Its byte slices
// are valid until the next link.
type pageLink struct {
	id                             int64
	detached                       engine.Side
	crmID, outlookKey, nameAccount []byte
	sum                            engine.BaseSum
}

// pageReader reads the links of one page.
type pageReader struct {
	d      compactReader
	left   int
	prevID int64
	crm    []byte
	key    []byte
}

// open starts reading data, a page of links links.
func (r *pageReader) open(data []byte, links int) error {
	r.d = compactReader{s: unsafeString(data)}
	r.prevID, r.crm, r.key = 0, r.crm[:0], r.key[:0]
	if c, err := r.d.byte(); err != nil || c != pageForm {
		return r.d.errorf("not a link page")
	}
	n, err := r.d.uvarint()
	if err != nil {
		return err
	}
	if n != links || n == 0 {
		return r.d.errorf("%d links, the row says %d", n, links)
	}
	r.left = n
	return nil
}

// next reads the next link into p; false when the page is done.
func (r *pageReader) next(p *pageLink) (bool, error) {
	if r.left == 0 {
		if r.d.i != len(r.d.s) {
			return false, r.d.errorf("bytes after the last link")
		}
		return false, nil
	}
	r.left--
	delta, k := binary.Uvarint(unsafeBytes(r.d.s[r.d.i:]))
	if k <= 0 || delta == 0 || delta > 1<<40 {
		return false, r.d.errorf("bad link id")
	}
	r.d.i += k
	r.prevID += int64(delta)
	p.id = r.prevID
	c, err := r.d.byte()
	if err != nil {
		return false, err
	}
	switch p.detached = engine.Side(c); p.detached {
	case engine.NoSide, engine.CRM, engine.Outlook:
	default:
		return false, r.d.errorf("detached side %d", c)
	}
	if r.crm, err = r.shared(r.crm); err != nil {
		return false, err
	}
	if r.key, err = r.shared(r.key); err != nil {
		return false, err
	}
	acct, err := r.d.str()
	if err != nil {
		return false, err
	}
	if len(r.d.s)-r.d.i < len(p.sum) {
		return false, r.d.errorf("ends early")
	}
	copy(p.sum[:], r.d.s[r.d.i:])
	r.d.i += len(p.sum)
	p.crmID, p.outlookKey, p.nameAccount = r.crm, r.key, unsafeBytes(acct)
	return true, nil
}

// shared reads a string written by appendShared after prev.
func (r *pageReader) shared(prev []byte) ([]byte, error) {
	k, err := r.d.uvarint()
	if err != nil {
		return nil, err
	}
	if k > len(prev) {
		return nil, r.d.errorf("%d bytes shared with a string of %d", k, len(prev))
	}
	rest, err := r.d.str()
	if err != nil {
		return nil, err
	}
	return append(prev[:k], rest...), nil
}

// loadPages reads the open links into s from the link pages and the rows
// that the cycles after the pages' cycle (up to last) wrote, and those
// after the last check (their hashes go into loaded). ok is false, and s
// holds what it read so far, when there are no pages, or they are not
// all of one cycle, do not read, or do not give the links the last cycle
// left open: the rows, which the hash chain covers, then decide (and the
// next commit writes the pages anew); journal verify says what is wrong
// with them. Unless all, it is false too when the rows to read besides
// the pages are more than half the links: the rows alone read faster.
func (j *Journal) loadPages(tx *sql.Tx, last int, s *linkSink, loaded *loadedState, all bool) (loadedPages, error) {
	var p loadedPages
	var pages, lo, hi sql.NullInt64
	if err := tx.QueryRow(`SELECT count(*), min(cycle), max(cycle) FROM link_pages`).Scan(&pages, &lo, &hi); err != nil {
		return p, err
	}
	if pages.Int64 == 0 || lo != hi || lo.Int64 < 1 || lo.Int64 > int64(last) {
		return p, nil
	}
	p.cycle = int(lo.Int64)
	after := p.cycle
	if !j.ro && loaded != nil {
		after = min(after, loaded.checked)
	}
	var ids []int64
	for k := after + 1; k <= last; k++ {
		if err := eachLinkWrite(tx, k, func(w linkWrite) error {
			ids = append(ids, w.link)
			return nil
		}); err != nil {
			return p, err
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if !all && int64(len(ids)) > s.open/2 {
		return p, nil
	}
	p.delta = len(ids)
	d := pageDelta{ids: ids}
	hashAfter := int64(math.MaxInt64)
	if loaded != nil {
		hashAfter = j.hashAfter(loaded)
	}
	if err := eachLoadRowOf(tx, hashAfter, ids, func(r *loadRow) error {
		if loaded != nil {
			j.noteRow(loaded, r)
		}
		l := engine.Link{ID: r.id, CRMID: s.strs.String(r.crmID), OutlookKey: s.strs.String(r.outlookKey)}
		if err := lightLink(&l, r.base, r.sum, &s.strs); err != nil {
			return fmt.Errorf("link %d: %w", l.ID, err)
		}
		d.open = append(d.open, l)
		return nil
	}); err != nil {
		return p, err
	}
	ok, err := mergePages(tx, s, &d)
	if err != nil || !ok {
		return p, err
	}
	p.ok = s.count() == s.open
	return p, nil
}

// pageDelta is what the cycles after the pages' wrote: the links whose
// rows they wrote, in id order, and those still open, read from their
// rows (without pending work).
type pageDelta struct {
	ids  []int64
	open []engine.Link
}

// mergePages reads the pages into s, each link of d in place of the
// page's; false when a page does not read.
func mergePages(tx *sql.Tx, s *linkSink, d *pageDelta) (bool, error) {
	rows, err := tx.Query(`SELECT page, links, data FROM link_pages ORDER BY page`)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	di, oi := 0, 0 // the next of d.ids, of d.open
	// fromDelta adds link d.ids[di] when it is open.
	fromDelta := func() error {
		id := d.ids[di]
		di++
		if oi < len(d.open) && d.open[oi].ID == id {
			l := s.add(id, nil, nil)
			*l = d.open[oi]
			oi++
			return s.done(l)
		}
		return nil
	}
	var r pageReader
	var pl pageLink
	var data sql.RawBytes
	want, last := int64(0), int64(0)
	for rows.Next() {
		var page, links int64
		if err := rows.Scan(&page, &links, &data); err != nil {
			return false, err
		}
		if page != want || links > pageLinks || r.open(data, int(links)) != nil {
			return false, nil
		}
		want++
		for {
			more, err := r.next(&pl)
			if err != nil || more && pl.id <= last {
				return false, nil
			}
			if !more {
				break
			}
			last = pl.id
			for di < len(d.ids) && d.ids[di] < pl.id {
				if err := fromDelta(); err != nil {
					return false, err
				}
			}
			if di < len(d.ids) && d.ids[di] == pl.id {
				if err := fromDelta(); err != nil {
					return false, err
				}
				continue // rewritten or closed since
			}
			l := s.add(pl.id, pl.crmID, pl.outlookKey)
			l.Detached, l.BaseSum = pl.detached, pl.sum
			if len(pl.nameAccount) > 0 {
				l.NameAccount = s.strs.String(pl.nameAccount)
			}
			if err := s.done(l); err != nil {
				return false, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	for di < len(d.ids) {
		if err := fromDelta(); err != nil {
			return false, err
		}
	}
	return oi == len(d.open), nil
}

// verifyPages checks that the link pages and the rows written after them
// give the open links the rows alone give (the rows are what the chain
// covers, verifyLinks): a page edited or left stale is found. A journal
// without pages (of an earlier schema, or without open links) passes.
func (j *Journal) verifyPages(tx *sql.Tx, last *cycleRow) error {
	var pages, cycle int64
	if err := tx.QueryRow(`SELECT count(*), coalesce(min(cycle), 0) FROM link_pages`).Scan(&pages, &cycle); err != nil {
		return fmt.Errorf("verify journal %q: %w", j.path, err)
	}
	if pages == 0 {
		return nil
	}
	bad := func(link int64, what string, args ...any) error {
		return &VerifyError{Path: j.path, Cycle: int(cycle), Link: link, Table: "link_pages",
			What: fmt.Sprintf(what, args...) + " (a page was edited after commit, or left stale)"}
	}
	if last == nil {
		return bad(0, "the journal has link pages but no cycle")
	}
	// What the rows give, then what the pages give, link by link.
	type seen struct {
		id   int64
		keys [2]uint64
		sum  engine.BaseSum
	}
	var want []seen
	var strs contact.Arena // the bases' headers
	if err := eachLoadRow(tx, math.MaxInt64, func(r *loadRow) error {
		l := engine.Link{ID: r.id, CRMID: unsafeString(r.crmID), OutlookKey: unsafeString(r.outlookKey)}
		if err := lightLink(&l, r.base, r.sum, &strs); err != nil {
			return fmt.Errorf("link %d: %w", l.ID, err)
		}
		want = append(want, seen{l.ID, rowKeysSum(&l), l.BaseSum})
		return nil
	}); err != nil {
		return fmt.Errorf("verify journal %q: %w", j.path, err)
	}
	var st engine.State
	s := &linkSink{st: &st, open: last.OpenLinks}
	s.reset()
	p, err := j.loadPages(tx, last.Number, s, nil, true)
	if err != nil {
		return fmt.Errorf("verify journal %q: %w", j.path, err)
	}
	if p.cycle == 0 {
		return bad(0, "the link pages are not all of one cycle up to the last")
	}
	got := st.Links
	for i := range min(len(got), len(want)) {
		g, w := &got[i], want[i]
		if g.ID != w.id {
			return bad(min(g.ID, w.id), "the link pages and the rows after them give link %d where the link rows give link %d", g.ID, w.id)
		}
		if rowKeysSum(g) != w.keys || g.BaseSum != w.sum {
			return bad(g.ID, "the link pages give link %d other keys, name account, detached side or base_sum than its row", g.ID)
		}
	}
	switch {
	case len(got) < len(want):
		return bad(want[len(got)].id, "the link pages and the rows after them lack link %d", want[len(got)].id)
	case len(got) > len(want):
		return bad(got[len(want)].ID, "the link pages and the rows after them give link %d, which is not open", got[len(want)].ID)
	case !p.ok:
		return bad(0, "the link pages do not read")
	}
	return nil
}
