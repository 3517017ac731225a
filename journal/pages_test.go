package journal

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"contactsync/engine"
	"contactsync/engine/contact"
)

// loadEachWay loads j's state from its link rows alone (the pages hidden)
// and then as Load does, and fails unless both give the same links, the
// same pending work, the same rows for Commit and the same hashes for
// the next check, and, with pages, unless Load read the pages. It returns
// the second, which is what j remembers for its next commit.
func loadEachWay(t *testing.T, j *Journal, pages bool) engine.State {
	t.Helper()
	// Pages not numbered from 0 are not read.
	inTx(t, j, func(tx *sql.Tx) { mustExec(t, tx, `UPDATE link_pages SET page = -1 - page`) })
	rows, err := j.Load()
	if err != nil {
		t.Fatal(err)
	}
	if j.loaded.pages.ok {
		t.Fatal("Load used hidden pages")
	}
	rowsLoaded, rowsSums := j.loaded.rows, j.loaded.sums
	inTx(t, j, func(tx *sql.Tx) { mustExec(t, tx, `UPDATE link_pages SET page = -1 - page`) })
	st, err := j.Load()
	if err != nil {
		t.Fatal(err)
	}
	if pages && !j.loaded.pages.ok {
		t.Fatalf("cycle %d: Load did not read the link pages", st.Cycle)
	}
	if msg := sameState(&rows, &st); msg != "" {
		t.Fatalf("after cycle %d, the pages give another state than the rows: %s", st.Cycle, msg)
	}
	if !slices.Equal(rowsLoaded, j.loaded.rows) {
		t.Fatalf("after cycle %d, the pages give other rows for Commit", st.Cycle)
	}
	if !slices.Equal(rowsSums, j.loaded.sums) {
		t.Fatalf("after cycle %d, the pages give other hashes for the check (%d, %d)", st.Cycle, len(rowsSums), len(j.loaded.sums))
	}
	return st
}

// sameState compares two loaded states link by link ("" when the same).
func sameState(a, b *engine.State) string {
	if a.Cycle != b.Cycle || a.User != b.User || a.Mapping != b.Mapping || a.NextLinkID != b.NextLinkID {
		return fmt.Sprintf("cycle %d/%d, next link %d/%d", a.Cycle, b.Cycle, a.NextLinkID, b.NextLinkID)
	}
	if len(a.Links) != len(b.Links) {
		return fmt.Sprintf("%d links, %d links", len(a.Links), len(b.Links))
	}
	for i := range a.Links {
		x, y := &a.Links[i], &b.Links[i]
		if x.ID != y.ID || x.CRMID != y.CRMID || x.OutlookKey != y.OutlookKey || x.NameAccount != y.NameAccount ||
			x.Detached != y.Detached || x.BaseSum != y.BaseSum || x.Base != nil || y.Base != nil ||
			!reflect.DeepEqual(x.Pending(), y.Pending()) {
			return fmt.Sprintf("link %d: %+v\nlink %d: %+v", x.ID, *x, y.ID, *y)
		}
	}
	return ""
}

func mustExec(t *testing.T, tx *sql.Tx, q string, args ...any) {
	t.Helper()
	if _, err := tx.Exec(q, args...); err != nil {
		t.Fatal(err)
	}
}

// pagesCycle is the cycle of j's link pages (0: none).
func pagesCycle(t *testing.T, j *Journal) int {
	t.Helper()
	var n int
	if err := j.db.QueryRow(`SELECT coalesce(max(cycle), 0) FROM link_pages`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// nextPlan makes cycle n's plan from st at random: of the open links
// some closed, some with a new base, name account or detached side, some
// with new keys and the base left unread, some with new pending work
// only; and fresh new links.
func nextPlan(rng *rand.Rand, st engine.State, n, fresh int) *engine.Plan {
	p := plan(n, st.NextLinkID)
	for _, l := range st.Links {
		switch r := rng.IntN(200); {
		case r < 3:
			p.Closed = append(p.Closed, l.ID)
			continue
		case r < 9:
			nl := smallLink(l.ID, fmt.Sprintf("Ann%d", n), fmt.Sprintf("a%d.%d@example.com", l.ID, n))
			nl.CRMID, nl.OutlookKey = l.CRMID, l.OutlookKey
			if rng.IntN(3) == 0 {
				nl.NameAccount, nl.Detached = fmt.Sprintf("Ann %d Lee", n), engine.Side(rng.IntN(3))
			}
			nl.SetPending(l.PendingCRM(), l.PendingOutlook())
			p.Links = append(p.Links, changed(nl))
		case r < 12:
			l.CRMID = fmt.Sprintf("CX%07d-%d", l.ID, n)
			p.Links = append(p.Links, changed(l))
		case r < 16:
			l.SetPendingOutlook(engine.Pending{Op: engine.OpUpdate, Fields: []contact.Field{contact.Email1}, Old: []string{fmt.Sprint(n)}})
			p.Links = append(p.Links, changed(l))
		default:
			p.Links = append(p.Links, engine.LinkState{Link: l})
		}
	}
	for range fresh {
		l := smallLink(p.NextLinkID, "New", fmt.Sprintf("n%d@example.com", p.NextLinkID))
		l.CRMID = fmt.Sprintf("C%010d", p.NextLinkID)
		p.Links = append(p.Links, changed(l))
		p.NextLinkID++
	}
	return p
}

// TestLinkPagesGiveWhatTheRowsGive runs cycles that close, rewrite, add
// and leave links at random, on more links than a page holds, and checks
// after each that Load gives from the pages (and the rows written after
// them) what it gives from the rows alone, that the pages are kept while
// little was written since and rewritten after, and that verify passes.
func TestLinkPagesGiveWhatTheRowsGive(t *testing.T) {
	j := openTest(t, filepath.Join(t.TempDir(), "sync.db"))
	rng := rand.New(rand.NewPCG(10, 1))
	st := loadEachWay(t, j, false)
	kept, rewritten := 0, 0
	for n := 1; n <= 16; n++ {
		fresh := rng.IntN(40)
		if n == 1 {
			fresh = 2*pageLinks + 500
		}
		// A cycle checks the chain before it commits, as a sync does,
		// but not always: Load then hashes the rows written since the
		// last check.
		checked := n%4 != 3
		if checked {
			if _, err := j.CheckNew(); err != nil {
				t.Fatal(err)
			}
			st = loadEachWay(t, j, n > 1)
		}
		if err := j.Commit(nextPlan(rng, st, n, fresh), info(n)); err != nil {
			t.Fatalf("cycle %d: %v", n, err)
		}
		switch pagesCycle(t, j) {
		case n:
			rewritten++
		case 0:
			t.Fatalf("cycle %d left no pages", n)
		default:
			kept++
		}
		st = loadEachWay(t, j, true)
		if n%8 == 0 {
			if err := j.Verify(); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("pages kept by %d cycles, rewritten by %d", kept, rewritten)
	if kept < 6 || rewritten < 2 {
		t.Errorf("pages kept by %d cycles and rewritten by %d; want both", kept, rewritten)
	}
}

// TestLinkPagesEditedOrStale edits the pages after the fact: verify names
// the table, Load falls back on the rows when a page does not read, and
// the next commit writes the pages anew.
func TestLinkPagesEditedOrStale(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	setup := func(t *testing.T) (*Journal, engine.State) {
		j := openTest(t, filepath.Join(t.TempDir(), "sync.db"))
		st := loadEachWay(t, j, false)
		for n := 1; n <= 2; n++ {
			if _, err := j.CheckNew(); err != nil {
				t.Fatal(err)
			}
			if err := j.Commit(nextPlan(rng, st, n, 300), info(n)); err != nil {
				t.Fatal(err)
			}
			st = loadEachWay(t, j, true)
		}
		return j, st
	}
	wantPagesError := func(t *testing.T, j *Journal) {
		t.Helper()
		var ve *VerifyError
		if err := j.Verify(); !errors.As(err, &ve) || ve.Table != "link_pages" {
			t.Fatalf("Verify = %v, want an error of table link_pages", err)
		}
	}
	t.Run("a sum changed", func(t *testing.T) {
		j, _ := setup(t)
		inTx(t, j, func(tx *sql.Tx) {
			mustExec(t, tx, `UPDATE link_pages SET data = substr(data, 1, length(data) - 1) || x'00' WHERE page = 0`)
		})
		wantPagesError(t, j)
	})
	t.Run("a page cut short", func(t *testing.T) {
		j, st := setup(t)
		inTx(t, j, func(tx *sql.Tx) { mustExec(t, tx, `UPDATE link_pages SET data = substr(data, 1, 40) WHERE page = 0`) })
		wantPagesError(t, j)
		if _, err := j.Load(); err != nil || j.loaded.pages.ok {
			t.Fatalf("Load with a page cut short: %v, pages used %v", err, j.loaded.pages.ok)
		}
		if err := j.Commit(nextPlan(rng, st, 3, 1), info(3)); err != nil {
			t.Fatal(err)
		}
		if pagesCycle(t, j) != 3 {
			t.Errorf("the commit after pages that did not read left pages of cycle %d", pagesCycle(t, j))
		}
		if err := j.Verify(); err != nil {
			t.Fatal(err)
		}
		loadEachWay(t, j, true)
	})
	t.Run("stale pages", func(t *testing.T) {
		j, st := setup(t)
		inTx(t, j, func(tx *sql.Tx) {
			mustExec(t, tx, `CREATE TABLE old_pages AS SELECT * FROM link_pages`)
		})
		p := nextPlan(rng, st, 3, 1)
		p.Closed = append(p.Closed, p.Links[0].ID)
		p.Links = p.Links[1:]
		if err := j.Commit(p, info(3)); err != nil {
			t.Fatal(err)
		}
		// The pages of before the cycle, as if it had not written them,
		// and the cycle's link writes left out of what Load reads after
		// them.
		inTx(t, j, func(tx *sql.Tx) {
			mustExec(t, tx, `DELETE FROM link_pages`)
			mustExec(t, tx, `INSERT INTO link_pages SELECT page, 3, links, data FROM old_pages`)
			mustExec(t, tx, `DROP TABLE old_pages`)
		})
		wantPagesError(t, j)
	})
	t.Run("pages of no cycle", func(t *testing.T) {
		j, _ := setup(t)
		ctx := context.Background()
		conn, err := j.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF; UPDATE link_pages SET cycle = 9; PRAGMA foreign_keys = ON`); err != nil {
			t.Fatal(err)
		}
		conn.Close()
		var ve *VerifyError
		if err := j.Verify(); !errors.As(err, &ve) || ve.Table != "link_pages" {
			t.Fatalf("Verify = %v, want an error of table link_pages", err)
		}
		if _, err := j.Load(); err != nil || j.loaded.pages.ok {
			t.Fatalf("Load with pages of a cycle to come: %v, pages used %v", err, j.loaded.pages.ok)
		}
		if _, err := j.CheckNew(); !errors.As(err, &ve) || ve.Table != "link_pages" || ve.Cycle != 9 {
			t.Fatalf("CheckNew = %v, want an error of table link_pages, cycle 9", err)
		}
	})
}

// TestLinkPagesMigration opens a journal of schema 8 (no link pages):
// Load reads the rows, the next commit writes the pages, and the journal
// verifies before and after.
func TestLinkPagesMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sync.db")
	j := openTest(t, path)
	rng := rand.New(rand.NewPCG(5, 6))
	st := loadEachWay(t, j, false)
	if err := j.Commit(nextPlan(rng, st, 1, 500), info(1)); err != nil {
		t.Fatal(err)
	}
	inTx(t, j, func(tx *sql.Tx) {
		mustExec(t, tx, `DROP TABLE link_pages`)
		mustExec(t, tx, `DELETE FROM schema_migrations WHERE version = 9`)
	})
	j.Close()
	j = openTest(t, path)
	if err := j.Verify(); err != nil {
		t.Fatal(err)
	}
	st, err := j.Load()
	if err != nil || j.loaded.pages.ok || len(st.Links) == 0 {
		t.Fatalf("Load after the migration: %v, %d links, pages used %v", err, len(st.Links), j.loaded.pages.ok)
	}
	if err := j.Commit(nextPlan(rng, st, 2, 5), info(2)); err != nil {
		t.Fatal(err)
	}
	if pagesCycle(t, j) != 2 {
		t.Fatalf("the first commit after the migration left pages of cycle %d", pagesCycle(t, j))
	}
	loadEachWay(t, j, true)
	if err := j.Verify(); err != nil {
		t.Fatal(err)
	}
}

// TestLinkPageRoundTrip writes pages and reads them back link by link,
// and holds the pages to some 30 bytes a link for keys that share their
// beginnings, as a CRM's and Outlook's do.
func TestLinkPageRoundTrip(t *testing.T) {
	var links []engine.LinkState
	for id := int64(3); id < 3+pageLinks; id += 1 + id%3 {
		l := engine.Link{ID: id, CRMID: fmt.Sprintf("C%010d", id), OutlookKey: engine.SyncKey(id), Detached: engine.Side(id % 3)}
		if id%7 == 0 {
			l.NameAccount, l.CRMID = "Zoë Núñez \xff", ""
		}
		l.BaseSum[0], l.BaseSum[15] = byte(id), byte(id>>8)
		links = append(links, engine.LinkState{Link: l})
	}
	var w pageWriter
	data, err := w.page(links)
	if err != nil {
		t.Fatal(err)
	}
	if per := len(data) / len(links); per > 30 {
		t.Errorf("a page takes %d bytes a link, want at most 30", per)
	}
	var r pageReader
	if err := r.open(data, len(links)); err != nil {
		t.Fatal(err)
	}
	var pl pageLink
	for i := range links {
		l := &links[i].Link
		more, err := r.next(&pl)
		if err != nil || !more {
			t.Fatalf("link %d: %v, more %v", l.ID, err, more)
		}
		if pl.id != l.ID || string(pl.crmID) != l.CRMID || string(pl.outlookKey) != l.OutlookKey ||
			string(pl.nameAccount) != l.NameAccount || pl.detached != l.Detached || pl.sum != l.BaseSum {
			t.Fatalf("link %d read back as %+v", l.ID, pl)
		}
	}
	if more, err := r.next(&pl); more || err != nil {
		t.Fatalf("after the last link: %v, more %v", err, more)
	}
	if _, err := w.page([]engine.LinkState{links[1], links[0]}); err == nil {
		t.Error("a page of links out of order was written")
	}
}

// FuzzLinkPage holds the page reader to errors, never a panic, on any
// bytes, and to giving back what a page it reads would be written as.
func FuzzLinkPage(f *testing.F) {
	var w pageWriter
	for _, ids := range [][]int64{{1}, {1, 2, 9}, {5, 1 << 33}} {
		var links []engine.LinkState
		for _, id := range ids {
			links = append(links, engine.LinkState{Link: engine.Link{ID: id, CRMID: fmt.Sprint("C", id), OutlookKey: engine.SyncKey(id), NameAccount: "acct"}})
		}
		data, _ := w.page(links)
		f.Add(slices.Clone(data), len(links))
	}
	f.Fuzz(func(t *testing.T, data []byte, n int) {
		var r pageReader
		if r.open(data, n) != nil {
			return
		}
		var links []engine.LinkState
		var pl pageLink
		for {
			more, err := r.next(&pl)
			if err != nil {
				return
			}
			if !more {
				break
			}
			links = append(links, engine.LinkState{Link: engine.Link{ID: pl.id, CRMID: string(pl.crmID), OutlookKey: string(pl.outlookKey),
				NameAccount: string(pl.nameAccount), Detached: pl.detached, BaseSum: pl.sum}})
		}
		again, err := (&pageWriter{}).page(links)
		if err != nil {
			t.Fatalf("a page read gives links that do not write: %v", err)
		}
		var back pageReader
		if err := back.open(again, len(links)); err != nil {
			t.Fatalf("a page written does not read: %v", err)
		}
	})
}

// TestRowSumIsTheChainsEncoding holds a compact row's hash, encoded and
// hashed in one call, to the chain's encoding of the row's values (tag,
// id, keys, base, base_sum, opened, written, closed) hashed as a cycle's
// rows are: what the hashes cycles recorded cover.
func TestRowSumIsTheChainsEncoding(t *testing.T) {
	for _, r := range []linkRow{
		{id: 1, crmID: "C1", outlookKey: "OL1", base: []byte{1, 0, 0}, baseSum: make([]byte, 16), opened: 1, written: 1},
		{id: 123456789, crmID: "CDEMO\xff", outlookKey: "", base: []byte(strings.Repeat("b", 300)), baseSum: make([]byte, 16), opened: 9, written: 12, closed: 12},
		{id: -3, crmID: strings.Repeat("k", 200), outlookKey: "x", base: []byte{}, baseSum: []byte("0123456789abcdef"), opened: 10, written: 100000},
	} {
		ref := newChain() // a tag and an int are strings to the chain
		ref.str("\x00link v2")
		ref.str(strconv.FormatInt(r.id, 10))
		ref.str(r.crmID)
		ref.str(r.outlookKey)
		ref.str(string(r.base))
		ref.str(string(r.baseSum))
		for _, n := range []int{r.opened, r.written, r.closed} {
			ref.str(strconv.Itoa(n))
		}
		ref.flush()
		want := ref.h.Sum(nil)
		c := newChain()
		if got := r.sumBytes(c); string(got) != string(want[:rowSumSize]) || string(c.out) != string(want) {
			t.Errorf("row %d: hash %x, want %x", r.id, c.out, want)
		}
		if !r.matches(c, string(want)) || !r.matches(c, string(want[:rowSumSize])) {
			t.Errorf("row %d does not match its own hash", r.id)
		}
	}
}

// TestCompactBaseLayout holds appendCompactBase to its layout: the form,
// the detached side, the name account with its length, and the packed
// base's values (engine.PackValues without its form byte).
func TestCompactBaseLayout(t *testing.T) {
	for _, l := range []engine.Link{fullLink(7), smallLink(8, "Ann", "a@example.com"), {ID: 9, NameAccount: strings.Repeat("n", 200), Detached: engine.Outlook}} {
		want := []byte{compactForm, byte(l.Detached)}
		want = binary.AppendUvarint(want, uint64(len(l.NameAccount)))
		want = append(want, l.NameAccount...)
		want = append(want, engine.PackValues(packedValues(&l))[1:]...)
		if got := appendCompactBase([]byte("prefix"), &l); string(got) != "prefix"+string(want) {
			t.Errorf("link %d: compact base %q, want %q", l.ID, got, want)
		}
	}
}
