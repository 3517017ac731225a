package journal

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"contactsync/engine"
	"contactsync/engine/contact"
)

// rowState is what the journal holds for one link row.
func rowState(t *testing.T, j *Journal, id int64) (written int, base string) {
	t.Helper()
	if err := j.db.QueryRow(`SELECT written, base FROM links WHERE id = ?`, id).Scan(&written, &base); err != nil {
		t.Fatal(err)
	}
	return written, base
}

func TestClearingPendingWorkKeepsTheLinkRow(t *testing.T) {
	j := openTest(t, filepath.Join(t.TempDir(), "sync.db"))
	l1, l2 := fullLink(1), smallLink(2, "Bob", "bob@example.com")
	l2.SetPendingOutlook(engine.Pending{Op: engine.OpCreate})
	if err := j.Commit(plan(1, 3, changed(l1), changed(l2)), info(1)); err != nil {
		t.Fatal(err)
	}
	if _, base := rowState(t, j, 1); base != string(appendCompactBase(nil, &l1)) {
		t.Errorf("link row holds %s, want the base without pending work", base)
	}
	st, err := j.Load()
	if err != nil {
		t.Fatal(err)
	}
	if want := []engine.Link{normal(l1), normal(l2)}; !reflect.DeepEqual(fullLinks(t, st), want) {
		t.Fatalf("loaded\n%+v\nwant\n%+v", st.Links, want)
	}

	// Cycle 2 clears every pending import (the links are Changed, as the
	// engine marks them) and changes link 2's base: only link 2's row is
	// written, and link 1 keeps a pending update of cycle 2.
	l1b, l2b := l1, l2
	l2b.Base = new(contact.Values)
	*l2b.Base = *l2.Base
	l1b.SetPending(engine.Pending{}, engine.Pending{Op: engine.OpUpdate, Fields: []contact.Field{contact.Notes}, Old: []string{"x"}})
	l2b.SetPendingOutlook(engine.Pending{})
	l2b.Base[contact.JobTitle] = "Buyer"
	if err := j.Commit(plan(2, 3, changed(l1b), changed(l2b)), info(2)); err != nil {
		t.Fatal(err)
	}
	if w, _ := rowState(t, j, 1); w != 1 {
		t.Errorf("link 1 row last written by cycle %d, want 1 (only its pending work changed)", w)
	}
	if w, _ := rowState(t, j, 2); w != 2 {
		t.Errorf("link 2 row last written by cycle %d, want 2", w)
	}
	var writes, pend int
	eachLinkWrite(j.db, 2, func(linkWrite) error { writes++; return nil })
	eachPending(j.db, 2, func(pendingRow) error { pend++; return nil })
	if writes != 1 || pend != 1 {
		t.Errorf("cycle 2 wrote %d link rows and %d pending rows, want 1 and 1", writes, pend)
	}
	st, err = j.Load()
	if err != nil {
		t.Fatal(err)
	}
	if want := []engine.Link{normal(l1b), normal(l2b)}; !reflect.DeepEqual(fullLinks(t, st), want) {
		t.Fatalf("after cycle 2 loaded\n%+v\nwant\n%+v", st.Links, want)
	}
	if err := j.Verify(); err != nil {
		t.Fatal(err)
	}

	// Without a Load of the current state, Commit compares nothing and
	// writes every Changed link, which is merely slower.
	j.loaded = nil
	if err := j.Commit(plan(3, 3, changed(l1b), changed(l2b)), info(3)); err != nil {
		t.Fatal(err)
	}
	if w, _ := rowState(t, j, 1); w != 3 {
		t.Errorf("link 1 row last written by cycle %d, want 3", w)
	}
	if err := j.Verify(); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyDetectsPendingEdits(t *testing.T) {
	// The edits of a journal of schema 5, whose pending work is rows of
	// the pending table; then the same edits of the sets.
	for name, edit := range map[string]string{
		"pending doc":         `UPDATE pending SET doc = '{"pending_crm":{"op":"create"}}' WHERE cycle = 2 AND link = 3`,
		"pending removed":     `DELETE FROM pending WHERE cycle = 1`,
		"pending added":       `INSERT INTO pending (cycle, link, doc) VALUES (2, 1, '{"pending_crm":{"op":"create"}}')`,
		"count made schema 1": `UPDATE cycles SET pending_rows = NULL WHERE number = 2`,
		"set: pending doc":    "", "set: pending removed": `DELETE FROM sets WHERE kind = 'pending' AND cycle = 1`, "set: pending added": "",
	} {
		t.Run(name, func(t *testing.T) {
			j := twoCycles(t)
			if _, err := j.db.Exec(`PRAGMA foreign_keys = off`); err != nil {
				t.Fatal(err)
			}
			switch name {
			case "set: pending doc":
				editPending(t, j, 2, func(ps []pendingRow) []pendingRow { ps[0].doc = `{"pending_crm":{"op":"create"}}`; return ps })
			case "set: pending added":
				editPending(t, j, 2, func(ps []pendingRow) []pendingRow {
					return append([]pendingRow{{1, `{"pending_crm":{"op":"create"}}`}}, ps...)
				})
			default:
				if !strings.HasPrefix(name, "set: ") {
					inTx(t, j, func(tx *sql.Tx) { toTables(t, tx) })
				}
				if _, err := j.db.Exec(edit); err != nil {
					t.Fatal(err)
				}
			}
			var ve *VerifyError
			if err := j.Verify(); !errors.As(err, &ve) {
				t.Fatalf("Verify after %q = %v, want a *VerifyError", edit, err)
			}
		})
	}
}

// TestSchema1JournalUpgrades makes a journal as schema 1 left it (pending
// work inside the link rows, no pending table), reopens it, and runs a
// cycle on it.
func TestSchema1JournalUpgrades(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sync.db")
	j := openTest(t, path)
	l1, l2, l3 := fullLink(1), smallLink(2, "Bob", "bob@example.com"), smallLink(3, "Cy", "cy@example.com")
	l3.SetPendingCRM(engine.Pending{Op: engine.OpGroupRemove})
	l3.Detached = engine.Outlook
	if err := j.Commit(plan(1, 4, changed(l1), changed(l2), changed(l3)), info(1)); err != nil {
		t.Fatal(err)
	}
	// Rewrite it in the form of schema 1, hashes included.
	tx, err := j.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	toSchema5(t, tx)
	rc := newChain()
	for _, l := range []*engine.Link{&l1, &l2, &l3} {
		base := appendBase(nil, l)
		s := sha256.Sum256(base)
		sum := hex.EncodeToString(s[:])
		row := linkRow{id: l.ID, crmID: l.CRMID, outlookKey: l.OutlookKey, baseSHA: sum, opened: 1, written: 1}
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`UPDATE links SET base = ?, base_sha256 = ?, base_sum = NULL WHERE id = ?`, []any{string(base), sum, l.ID}},
			{`UPDATE link_writes SET sha256 = ? WHERE cycle = 1 AND link = ?`, []any{row.sum(rc), l.ID}},
		} {
			if _, err := tx.Exec(q.sql, q.args...); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, q := range []string{`DELETE FROM pending`, `DELETE FROM link_history`, `UPDATE cycles SET pending_rows = NULL, history_rows = NULL`} {
		if _, err := tx.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	var c1 cycleRow
	if err := tx.QueryRow(`SELECT ` + cycleColumns + ` FROM cycles WHERE number = 1`).Scan(c1.dest()...); err != nil {
		t.Fatal(err)
	}
	h, err := cycleSum(tx, &c1)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE cycles SET hash = '` + h + `'`, `DROP TABLE pending`, `ALTER TABLE cycles DROP COLUMN pending_rows`,
		`DROP TABLE link_history`, `ALTER TABLE cycles DROP COLUMN history_rows`, `ALTER TABLE links DROP COLUMN base_sum`,
		`DELETE FROM schema_migrations WHERE version > 1`, `DROP TABLE sets`} {
		if _, err := tx.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	j.Close()

	j = openTest(t, path) // applies schemas 2 to 6
	if err := j.Verify(); err != nil {
		t.Fatalf("Verify of the upgraded journal: %v", err)
	}
	// Migration 5 made compact the rows whose JSON held no pending work
	// (link 2); links 1 and 3 held some and stay as they were.
	for id, compact := range map[int64]bool{1: false, 2: true, 3: false} {
		var base string
		var sum []byte
		if err := j.db.QueryRow(`SELECT base, base_sum FROM links WHERE id = ?`, id).Scan(&base, &sum); err != nil {
			t.Fatal(err)
		}
		if isCompact(base) != compact || (sum != nil) != compact {
			t.Errorf("link %d after the upgrade: base %q, base_sum %x; want compact %v", id, base, sum, compact)
		}
	}
	st, err := j.Load()
	if err != nil {
		t.Fatal(err)
	}
	if want := []engine.Link{normal(l1), normal(l2), normal(l3)}; !reflect.DeepEqual(fullLinks(t, st), want) {
		t.Fatalf("loaded from schema 1 rows\n%+v\nwant\n%+v", st.Links, want)
	}
	// Cycle 2 clears links 1 and 2's pending work; link 3 is not Changed
	// and keeps its pending removal, now in the pending table.
	l1b := l1
	l1b.SetPending(engine.Pending{}, engine.Pending{})
	if err := j.Commit(plan(2, 4, changed(l1b), changed(l2), engine.LinkState{Link: l3}), info(2)); err != nil {
		t.Fatal(err)
	}
	// Its base did not change: the row of schema 1 stays as it was (its
	// pending work is ignored now that the cycles have pending rows).
	if w, base := rowState(t, j, 1); w != 1 || base != string(appendBase(nil, &l1)) {
		t.Errorf("link 1: written %d, base %s; want the row of cycle 1 kept", w, base)
	}
	st, err = j.Load()
	if err != nil {
		t.Fatal(err)
	}
	if want := []engine.Link{normal(l1b), normal(l2), normal(l3)}; !reflect.DeepEqual(fullLinks(t, st), want) {
		t.Fatalf("after cycle 2 loaded\n%+v\nwant\n%+v", st.Links, want)
	}
	if err := j.Verify(); err != nil {
		t.Fatal(err)
	}
	// Cycle 3 rewrites link 2's row of schema 1 in the compact form and
	// closes link 3's: the history keeps the JSON rows, and all verifies.
	fullLinks(t, st)
	l2c := l2
	l2c.Base = new(contact.Values)
	*l2c.Base = *l2.Base
	l2c.Base[contact.JobTitle] = "Buyer"
	p3 := plan(3, 4, changed(l1b), changed(l2c))
	p3.Closed = []int64{3}
	p3.Changes = []engine.Change{{Link: 2, Side: engine.CRM, Op: engine.OpUpdate, Field: "job_title", New: "Buyer", Rule: engine.RuleChangedInOutlook}}
	if err := j.Commit(p3, info(3)); err != nil {
		t.Fatal(err)
	}
	if w, base := rowState(t, j, 2); w != 3 || base != string(appendCompactBase(nil, &l2c)) {
		t.Errorf("link 2: written %d, base %q; want the compact row of cycle 3", w, base)
	}
	var old string
	if err := j.db.QueryRow(`SELECT base FROM link_history WHERE cycle = 3 AND link = 2`).Scan(&old); err != nil || !isCompact(old) {
		t.Errorf("link 2's history row: %q, %v; want its row as migration 5 left it", old, err)
	}
	u, err := j.UndoSource(3)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ul := range u.Links {
		found = found || ul.ID == 2
		if ul.ID == 2 && (ul.Before == nil || ul.Before.Base[contact.JobTitle] != "" || ul.After.Base[contact.JobTitle] != "Buyer") {
			t.Errorf("undo source of link 2: before %+v, after %+v", ul.Before, ul.After)
		}
	}
	if !found {
		t.Errorf("the undo source of cycle 3 lacks link 2: %+v", u.Links)
	}
	if err := j.Verify(); err != nil {
		t.Fatal(err)
	}
	st, err = j.Load()
	if err != nil {
		t.Fatal(err)
	}
	if want := []engine.Link{normal(l1b), normal(l2c)}; !reflect.DeepEqual(fullLinks(t, st), want) {
		t.Fatalf("after cycle 3 loaded\n%+v\nwant\n%+v", st.Links, want)
	}
}

// TestMigrationCompactsJSONRows: the rows of a journal written before
// schema 4 (JSON, with the hex hashes their cycle recorded) become compact
// when it is opened for a sync, still verify, load as they were, and an
// edit of one is still found.
func TestMigrationCompactsJSONRows(t *testing.T) {
	for _, edit := range []string{"", `UPDATE links SET crm_id = 'CEVIL' WHERE id = 2`, `UPDATE links SET base_sha256 = '00' WHERE id = 2`,
		`UPDATE links SET base = X'0100000103457665', base_sum = NULL WHERE id = 2`} {
		path := filepath.Join(t.TempDir(), "sync.db")
		j := openTest(t, path)
		l1, l2 := fullLink(1), smallLink(2, "Bob", "bob@example.com")
		l1.SetPending(engine.Pending{}, engine.Pending{})
		if err := j.Commit(plan(1, 3, changed(l1), changed(l2)), info(1)); err != nil {
			t.Fatal(err)
		}
		tx, err := j.db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		toSchema5(t, tx)
		rc := newChain()
		for _, l := range []*engine.Link{&l1, &l2} {
			base := appendLinkBase(nil, l)
			s := sha256.Sum256(base)
			sum := hex.EncodeToString(s[:])
			row := linkRow{id: l.ID, crmID: l.CRMID, outlookKey: l.OutlookKey, baseSHA: sum, opened: 1, written: 1}
			if _, err := tx.Exec(`UPDATE links SET base = ?, base_sha256 = ?, base_sum = NULL WHERE id = ?`, string(base), sum, l.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec(`UPDATE link_writes SET sha256 = ? WHERE cycle = 1 AND link = ?`, row.sum(rc), l.ID); err != nil {
				t.Fatal(err)
			}
		}
		var c1 cycleRow
		if err := tx.QueryRow(`SELECT ` + cycleColumns + ` FROM cycles WHERE number = 1`).Scan(c1.dest()...); err != nil {
			t.Fatal(err)
		}
		h, err := cycleSum(tx, &c1)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{`UPDATE cycles SET hash = '` + h + `'`, `DELETE FROM schema_migrations WHERE version = 5`, `DROP TABLE sets`} {
			if _, err := tx.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		j.Close()

		j = openTest(t, path) // applies schemas 5 and 6
		var n int
		if err := j.db.QueryRow(`SELECT count(*) FROM links WHERE base_sum IS NOT NULL AND base_sha256 != ''`).Scan(&n); err != nil || n != 2 {
			t.Fatalf("%d rows converted (%v), want 2", n, err)
		}
		if edit == "" {
			if err := j.Verify(); err != nil {
				t.Fatalf("Verify of the converted rows: %v", err)
			}
			st, err := j.Load()
			if err != nil {
				t.Fatal(err)
			}
			if want := []engine.Link{normal(l1), normal(l2)}; !reflect.DeepEqual(fullLinks(t, st), want) {
				t.Fatalf("loaded\n%+v\nwant\n%+v", st.Links, want)
			}
			// A cycle that closes a converted row writes it in the compact
			// form's terms; all still verifies.
			p2 := plan(2, 3, changed(l1))
			p2.Closed = []int64{2}
			if err := j.Commit(p2, info(2)); err != nil {
				t.Fatal(err)
			}
			if err := j.Verify(); err != nil {
				t.Fatalf("Verify after closing a converted row: %v", err)
			}
			continue
		}
		if _, err := j.db.Exec(edit); err != nil {
			t.Fatal(err)
		}
		var ve *VerifyError
		if err := j.Verify(); !errors.As(err, &ve) || ve.Link != 2 {
			t.Errorf("Verify after %q = %v, want a *VerifyError for link 2", edit, err)
		}
	}
}
