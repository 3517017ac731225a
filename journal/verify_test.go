package journal

import (
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"contactsync/engine"
	"contactsync/engine/contact"
)

// The tests of journal verify: edits, insertions and deletions of rows,
// the anchors, and the hashes it takes over whole rows.

// twoCycles builds a journal with two committed cycles and some of every row.
func twoCycles(t *testing.T) *Journal {
	t.Helper()
	j := openTest(t, filepath.Join(t.TempDir(), "sync.db"))
	p1 := plan(1, 4, changed(smallLink(1, "Ann", "ann@example.com")), changed(smallLink(2, "Bob", "bob@example.com")),
		changed(fullLink(3)))
	p1.Changes = []engine.Change{
		{Link: 1, Side: engine.NoSide, Op: engine.OpLink, Old: "C1", New: "OL1", Rule: engine.RuleLinkEmail, Name: "Ann Lee"},
		{Link: 2, Side: engine.Outlook, Op: engine.OpCreate, New: "Bob Lee", Rule: engine.RuleNewInCRM, Name: "Bob Lee"},
		{Link: 2, Side: engine.Outlook, Op: engine.OpCreate, Field: "email1", New: "bob@example.com", Rule: engine.RuleNewInCRM, Name: "Bob Lee"},
	}
	p1.Notices = []engine.Notice{{Kind: "ambiguous", Message: "two accounts named Acme; used the first"}}
	if err := j.Commit(p1, info(1)); err != nil {
		t.Fatal(err)
	}
	a2 := smallLink(1, "Ann", "ann.lee@example.org")
	p2 := plan(2, 4, changed(a2), engine.LinkState{Link: fullLink(3)})
	p2.Closed = []int64{2}
	p2.Changes = []engine.Change{
		{Link: 1, Side: engine.CRM, Op: engine.OpUpdate, Field: "email1", Old: "ann@example.com", New: "ann.lee@example.org", Rule: engine.RuleChangedInOutlook, Name: "Ann Lee"},
		{Link: 1, Side: engine.Outlook, Op: engine.OpUpdate, Field: "notes", Old: "", New: "met at\nthe fair", Rule: engine.RuleConflictLatest, Name: "Ann Lee"},
		{Link: 2, Side: engine.CRM, Op: engine.OpGroupRemove, Old: "C2", Rule: engine.RuleDeletedInOutlook, Name: "Bob Lee"},
		{Link: 2, Side: engine.NoSide, Op: engine.OpUnlink, Rule: engine.RuleDeletedInOutlook, Name: "Bob Lee"},
	}
	p2.Conflicts = []engine.Conflict{{Link: 1, Field: "notes", Base: "", CRM: "call back", Outlook: "met at\nthe fair",
		CRMTime: t0, OutlookTime: t0.Add(90 * time.Minute), Winner: "outlook", Rule: engine.RuleConflictLatest, Name: "Ann Lee"}}
	p2.Counts.Conflicts, p2.Counts.CRMUpdated, p2.Counts.GroupRemoved, p2.Counts.Unlinked = 1, 1, 1, 1
	if err := j.Commit(p2, info(2)); err != nil {
		t.Fatal(err)
	}
	return j
}

// emptySum is the BaseSum of a base without values.
var emptySum = engine.SumValues(&contact.Values{})

func TestVerifyDetectsEdits(t *testing.T) {
	if err := twoCycles(t).Verify(); err != nil {
		t.Fatalf("Verify of an untouched journal: %v", err)
	}
	edits := []struct {
		name  string
		sql   string
		cycle int
		link  int64
		// tables: the edit is made to a journal of schema 5, whose
		// changes, link writes and pending work are rows of tables.
		tables bool
		// edit, when set, edits the journal instead of sql.
		edit func(*testing.T, *Journal)
	}{
		{"change value", `UPDATE changes SET new = 'ann@evil.example' WHERE cycle = 2 AND seq = 1`, 2, 0, true, nil},
		{"change rule in cycle 1", `UPDATE changes SET rule = 'manual' WHERE cycle = 1 AND seq = 2`, 1, 0, true, nil},
		{"deleted change", `DELETE FROM changes WHERE cycle = 2 AND seq = 3`, 2, 0, true, nil},
		{"change value in a set", "", 2, 0, false, func(t *testing.T, j *Journal) {
			editChanges(t, j, 2, func(cs []storedChange) []storedChange { cs[0].c.New = "ann@evil.example"; return cs })
		}},
		{"change rule in a set of cycle 1", "", 1, 0, false, func(t *testing.T, j *Journal) {
			editChanges(t, j, 1, func(cs []storedChange) []storedChange { cs[1].c.Rule = "manual"; return cs })
		}},
		{"change side in a set", "", 1, 0, false, func(t *testing.T, j *Journal) {
			editChanges(t, j, 1, func(cs []storedChange) []storedChange { cs[1].side = "crm"; return cs })
		}},
		{"change deleted from a set", "", 2, 0, false, func(t *testing.T, j *Journal) {
			editChanges(t, j, 2, func(cs []storedChange) []storedChange { return append(cs[:2], cs[3:]...) })
		}},
		{"set of changes deleted", `DELETE FROM sets WHERE kind = 'changes' AND cycle = 1`, 1, 0, false, nil},
		{"set part damaged", `UPDATE sets SET data = substr(data, 1, length(data) - 1) WHERE kind = 'changes' AND cycle = 2`, 2, 0, false, nil},
		{"set part renumbered", `UPDATE sets SET part = 1 WHERE kind = 'changes' AND cycle = 2`, 2, 0, false, nil},
		{"link write in a set", "", 2, 0, false, func(t *testing.T, j *Journal) {
			editLinkWrites(t, j, 2, func(ws []linkWrite) []linkWrite { ws[0].sum = strings.Repeat("\x00", rowSumSize); return ws })
		}},
		{"conflict winner", `UPDATE conflicts SET winner = 'crm' WHERE cycle = 2`, 2, 0, false, nil},
		{"notice", `DELETE FROM notices WHERE cycle = 1`, 1, 0, false, nil},
		{"file hash", `UPDATE files SET sha256 = 'ff' WHERE cycle = 1 AND seq = 1`, 1, 0, false, nil},
		{"counts", `UPDATE cycles SET counts = '{}' WHERE number = 2`, 2, 0, false, nil},
		{"user", `UPDATE cycles SET sync_user = 'mallory' WHERE number = 1`, 1, 0, false, nil},
		{"cycle removed", `DELETE FROM cycles WHERE number = 1`, 1, 0, false, nil},
		{"link base", `UPDATE links SET base = replace(base, 'Ann', 'Eve') WHERE id = 1`, 2, 1, false, nil},
		{"link base and its hash", `UPDATE links SET base = '{"values":{}}', base_sha256 = 'ad206068c29722297302d4fadb11c198d45356f4a95c319d937e57a9290aa547' WHERE id = 3`, 1, 3, false, nil},
		{"link key", `UPDATE links SET crm_id = 'CEVIL' WHERE id = 3`, 1, 3, false, nil},
		{"link reopened", `UPDATE links SET closed = NULL WHERE id = 2`, 2, 2, false, nil},
		{"link removed", `DELETE FROM links WHERE id = 3`, 1, 3, false, nil},
		{"link base_sum", `UPDATE links SET base_sum = zeroblob(16) WHERE id = 3`, 1, 3, false, nil},
		{"link base and base_sum agreeing", fmt.Sprintf(`UPDATE links SET base = X'010000', base_sum = X'%x' WHERE id = 3`, emptySum[:]), 1, 3, false, nil},
		{"link made a row of the JSON form", `UPDATE links SET base = '{"values":{}}', base_sha256 = 'ad206068c29722297302d4fadb11c198d45356f4a95c319d937e57a9290aa547', base_sum = NULL WHERE id = 3`, 1, 3, false, nil},
		{"link write", `UPDATE link_writes SET sha256 = zeroblob(16) WHERE cycle = 2 AND link = 1`, 2, 0, true, nil},
	}
	for _, e := range edits {
		t.Run(e.name, func(t *testing.T) {
			j := twoCycles(t)
			if _, err := j.db.Exec(`PRAGMA foreign_keys = off`); err != nil {
				t.Fatal(err)
			}
			if e.tables {
				inTx(t, j, func(tx *sql.Tx) { toTables(t, tx) })
				if err := j.Verify(); err != nil {
					t.Fatalf("Verify of the journal with its sets in tables: %v", err)
				}
			}
			if e.edit != nil {
				e.edit(t, j)
			} else if _, err := j.db.Exec(e.sql); err != nil {
				t.Fatal(err)
			}
			err := j.Verify()
			var ve *VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("Verify after %q = %v, want a *VerifyError", e.sql, err)
			}
			if ve.Cycle != e.cycle || ve.Link != e.link {
				t.Errorf("Verify names cycle %d link %d, want cycle %d link %d: %v", ve.Cycle, ve.Link, e.cycle, e.link, err)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("at cycle %d", e.cycle)) {
				t.Errorf("message does not name the cycle: %v", err)
			}
		})
	}
}

// journal verify catches insertions and deletions too: rows filed under a
// cycle that does not exist, a renamed migration, and the last cycle
// deleted with or without its rows. Each failure names the table, the row
// and the cycle.
func TestVerifyDetectsInsertionsAndDeletions(t *testing.T) {
	for _, e := range []struct {
		name, sql  string
		cycle      int
		table, row string
	}{
		{"notice under a missing cycle", `INSERT INTO notices (cycle, seq, kind, link, message) VALUES (7, 1, 'x', 0, 'forged')`, 7, "notices", "seq 1"},
		{"change under the next cycle", `INSERT INTO changes VALUES (3, 1, 1, 'crm', 'update', 'email1', 'a', 'b', 'r', 'n')`, 3, "changes", "seq 1"},
		{"file under cycle 0", `INSERT INTO files VALUES (0, 1, 'output', 'x', 'ff', 1)`, 0, "files", "seq 1"},
		{"link write under a missing cycle", `INSERT INTO link_writes VALUES (9, 1, 'ff')`, 9, "link_writes", "link 1"},
		{"renamed migration", `UPDATE schema_migrations SET name = '0001_other.sql' WHERE version = 1`, 0, "schema_migrations", "version 1"},
		{"migration row removed", `DELETE FROM schema_migrations WHERE version = 2`, 0, "schema_migrations", "version 2"},
		{"last cycle row deleted, rows kept", `DELETE FROM cycles WHERE number = 2`, 2, "files", "seq 1"},
		{"last cycle deleted with its rows", `DELETE FROM changes WHERE cycle = 2; DELETE FROM conflicts WHERE cycle = 2; DELETE FROM notices WHERE cycle = 2;
			DELETE FROM files WHERE cycle = 2; DELETE FROM link_writes WHERE cycle = 2; DELETE FROM pending WHERE cycle = 2;
			DELETE FROM link_history WHERE cycle = 2; DELETE FROM sets WHERE cycle = 2; DELETE FROM link_pages WHERE cycle = 2; DELETE FROM cycles WHERE number = 2`, 2, "links", "link 1"},
		{"set under a missing cycle", `INSERT INTO sets (kind, cycle, part, data) VALUES ('changes', 5, 0, X'01')`, 5, "sets", "part 0"},
	} {
		t.Run(e.name, func(t *testing.T) {
			j := twoCycles(t)
			if _, err := j.db.Exec(`PRAGMA foreign_keys = off`); err != nil {
				t.Fatal(err)
			}
			if _, err := j.db.Exec(e.sql); err != nil {
				t.Fatal(err)
			}
			err := j.Verify()
			var ve *VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("Verify = %v, want a *VerifyError", err)
			}
			if ve.Cycle != e.cycle || ve.Table != e.table || ve.Row != e.row {
				t.Errorf("Verify names cycle %d, table %q, row %q; want %d, %q, %q: %v", ve.Cycle, ve.Table, ve.Row, e.cycle, e.table, e.row, err)
			}
			if msg := err.Error(); !strings.Contains(msg, "table "+e.table+" "+e.row) || !strings.Contains(msg, fmt.Sprintf("cycle %d", e.cycle)) {
				t.Errorf("message does not name table, row and cycle: %v", msg)
			}
		})
	}
}

// The last cycle cannot be proven from the journal alone: deleting a cycle
// that wrote no link rows leaves a consistent chain. The chain head an
// output folder kept after the commit proves it.
func TestVerifyAnchorsProveTheLastCycle(t *testing.T) {
	j := twoCycles(t)
	p3 := plan(3, 4, engine.LinkState{Link: smallLink(1, "Ann", "ann.lee@example.org")}, engine.LinkState{Link: fullLink(3)})
	if err := j.Commit(p3, info(3)); err != nil {
		t.Fatal(err)
	}
	n, head, err := j.Head()
	if err != nil || n != 3 || len(head) != 64 {
		t.Fatalf("Head = %d, %q, %v", n, head, err)
	}
	h2, _, _ := j.CycleHash(2)
	anchors := []Anchor{{Dir: "out/2", Cycle: 2, Head: h2}, {Dir: "out/3", Cycle: 3, Head: head}}
	if err := j.VerifyAnchors(anchors); err != nil {
		t.Fatalf("VerifyAnchors of an untouched journal: %v", err)
	}
	if _, err := j.db.Exec(`PRAGMA foreign_keys = off; DELETE FROM files WHERE cycle = 3; DELETE FROM notices WHERE cycle = 3;
		DELETE FROM changes WHERE cycle = 3; DELETE FROM pending WHERE cycle = 3; DELETE FROM link_writes WHERE cycle = 3; DELETE FROM sets WHERE cycle = 3; DELETE FROM link_pages WHERE cycle = 3; DELETE FROM cycles WHERE number = 3`); err != nil {
		t.Fatal(err)
	}
	if err := j.Verify(); err != nil {
		t.Fatalf("the journal alone should not tell (this is why anchors exist): %v", err)
	}
	err = j.VerifyAnchors(anchors)
	var ve *VerifyError
	if !errors.As(err, &ve) || ve.Cycle != 3 || ve.Table != "cycles" || !strings.Contains(err.Error(), `output folder "out/3"`) {
		t.Errorf("VerifyAnchors after deleting cycle 3 = %v", err)
	}
	err = j.VerifyAnchors([]Anchor{{Dir: "out/2", Cycle: 2, Head: head}})
	if !errors.As(err, &ve) || ve.Cycle != 2 || !strings.Contains(err.Error(), "recorded the chain head") {
		t.Errorf("VerifyAnchors with another head = %v", err)
	}
}

// A compact row recorded with its whole sha256 (as the first schema 4
// build did) still verifies, and an edit of it is still found.
func TestVerifyTakesWholeRowHashes(t *testing.T) {
	for _, edit := range []bool{false, true} {
		j := twoCycles(t)
		var r linkRow
		var n int
		if err := j.db.QueryRow(`SELECT id, crm_id, outlook_key, base, base_sum, opened, written, coalesce(closed, 0) FROM links
			WHERE base_sum IS NOT NULL ORDER BY written DESC, id LIMIT 1`).Scan(&r.id, &r.crmID, &r.outlookKey, &r.base, &r.baseSum, &r.opened, &r.written, &r.closed); err != nil {
			t.Fatal(err)
		}
		if err := j.db.QueryRow(`SELECT max(number) FROM cycles`).Scan(&n); err != nil || r.written != n {
			t.Fatalf("want a row of the last cycle (%d), got one of %d: %v", n, r.written, err)
		}
		c := newChain()
		r.sum(c)
		whole := c.h.Sum(nil)
		tx, err := j.db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(`UPDATE link_writes SET sha256 = ? WHERE cycle = ? AND link = ?`, whole, n, r.id); err != nil {
			t.Fatal(err)
		}
		var last cycleRow
		if err := tx.QueryRow(`SELECT `+cycleColumns+` FROM cycles WHERE number = ?`, n).Scan(last.dest()...); err != nil {
			t.Fatal(err)
		}
		h, err := cycleSum(tx, &last)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(`UPDATE cycles SET hash = ? WHERE number = ?`, h, n); err != nil {
			t.Fatal(err)
		}
		if edit {
			if _, err := tx.Exec(`UPDATE links SET crm_id = 'CEVIL' WHERE id = ?`, r.id); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		err = j.Verify()
		var ve *VerifyError
		if !edit && err != nil {
			t.Errorf("Verify with a whole row hash: %v", err)
		}
		if edit && (!errors.As(err, &ve) || ve.Link != r.id) {
			t.Errorf("Verify after an edit of a row with a whole hash = %v, want a *VerifyError for link %d", err, r.id)
		}
	}
}
