package journal

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"contactsync/engine"
)

// checkedThenOne is twoCycles, a check, a third cycle that writes link 1
// again and records the check and one of its own rows, and a fourth cycle,
// committed without a check before it, that writes link 1 again and
// records no check: what is new for the next one.
func checkedThenOne(t *testing.T) *Journal {
	t.Helper()
	j := twoCycles(t)
	c, err := j.CheckNew()
	if err != nil {
		t.Fatal(err)
	}
	// Cycle 1 recorded a check of its own rows; cycle 2 had no check before
	// it, so it recorded none and is re-hashed with the 2 link rows it
	// wrote (link 1 rewritten, link 2 closed).
	if c.Cycles != 2 || c.From != 2 || c.Links != 2 || c.Before.Through != 1 || !c.Before.AtCommit {
		t.Errorf("first check = %+v, want cycle 2 and its 2 link rows re-hashed, on cycle 1's check at its commit", c)
	}
	p3 := plan(3, 4, changed(smallLink(1, "Ann", "ann3@example.org")), engine.LinkState{Link: fullLink(3)})
	p3.Changes = []engine.Change{{Link: 1, Side: engine.CRM, Op: engine.OpUpdate, Field: "email1", Old: "ann.lee@example.org", New: "ann3@example.org", Rule: engine.RuleChangedInOutlook, Name: "Ann Lee"}}
	if err := j.Commit(p3, info(3)); err != nil {
		t.Fatal(err)
	}
	p4 := plan(4, 4, changed(smallLink(1, "Ann", "ann4@example.org")), engine.LinkState{Link: fullLink(3)})
	p4.Changes = []engine.Change{{Link: 1, Side: engine.CRM, Op: engine.OpUpdate, Field: "email1", Old: "ann3@example.org", New: "ann4@example.org", Rule: engine.RuleChangedInOutlook, Name: "Ann Lee"}}
	if err := j.Commit(p4, info(4)); err != nil {
		t.Fatal(err)
	}
	return j
}

// A first cycle's commit records a check of its own rows: the check before
// the second cycle re-hashes nothing, and Load hashes no link row for it.
func TestCommitRecordsItsOwnCheck(t *testing.T) {
	j := openTest(t, t.TempDir()+"/sync.db")
	if err := j.Commit(plan(1, 3, changed(smallLink(1, "Ann", "ann@example.com")), changed(fullLink(2))), info(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Load(); err != nil {
		t.Fatal(err)
	}
	if s := j.loaded.sums; len(s) != 0 {
		t.Errorf("Load hashed %d link rows, want none: cycle 1 checked them as it wrote them", len(s))
	}
	c, err := j.CheckNew()
	if err != nil {
		t.Fatal(err)
	}
	if c.Cycles != 1 || c.From != 2 || c.Links != 0 || c.Before.Through != 1 || !c.Before.AtCommit || c.Before.From != 1 {
		t.Errorf("check = %+v, want the chain of cycle 1 and nothing re-hashed, on cycle 1's own check", c)
	}
	if want := "cycle 1's commit hashed its rows as it wrote them at "; !strings.Contains(c.String(), want) || strings.Contains(c.String(), "after a check") {
		t.Errorf("%q does not say %q alone", c, want)
	}
}

// A cycle's check re-hashes what is new since the check the last cycle
// recorded, checks the chain of every cycle's hash, and says so.
func TestCheckNewChecksWhatIsNew(t *testing.T) {
	j := checkedThenOne(t)
	if _, err := j.Load(); err != nil {
		t.Fatal(err)
	}
	if s := j.loadedSums(4, 4); len(s) != 1 || s[0].id != 1 || !s[0].ok {
		t.Errorf("Load hashed %+v, want link 1's row, which cycle 4 wrote", s)
	}
	c, err := j.CheckNew()
	if err != nil {
		t.Fatal(err)
	}
	if c.Cycles != 4 || c.From != 4 || c.Links != 1 || c.Before.Through != 3 || !c.Before.AtCommit || c.Before.From != 3 {
		t.Errorf("check = %+v, want the chain of 4 cycles, cycle 4 and its 1 link row re-hashed, on cycle 3's own check", c)
	}
	for _, want := range []string{"the chain of hashes of cycles 1 to 4 links up", "the rows of cycle 4 and the 1 link rows they wrote match their hashes",
		"cycle 3's commit hashed its rows as it wrote them", "after a check of cycles 1 to 2", "journal verify"} {
		if !strings.Contains(c.String(), want) {
			t.Errorf("%q does not say %q", c, want)
		}
	}
	// The next commit records this check and its own: nothing is new.
	p5 := plan(5, 4, engine.LinkState{Link: smallLink(1, "Ann", "ann4@example.org")}, engine.LinkState{Link: fullLink(3)})
	if err := j.Commit(p5, info(5)); err != nil {
		t.Fatal(err)
	}
	var through string
	if err := j.db.QueryRow(`SELECT group_concat(through, ' ') FROM (SELECT through FROM checks WHERE at_commit = 0 ORDER BY through)`).Scan(&through); err != nil || through != "2 4" {
		t.Errorf("checks made before a cycle through %q (%v), want 2 and 4", through, err)
	}
	if c, err = j.CheckNew(); err != nil || c.From != 6 || c.Links != 0 || c.Before.Through != 5 || !c.Before.AtCommit {
		t.Errorf("check after a checked cycle = %+v, %v", c, err)
	}
}

func TestCheckNewFindsEditsOfWhatIsNew(t *testing.T) {
	for _, e := range []struct {
		name  string
		sql   string
		cycle int
		edit  func(*testing.T, *Journal)
	}{
		{"change of the new cycle", "", 4, func(t *testing.T, j *Journal) {
			editChanges(t, j, 4, func(cs []storedChange) []storedChange { cs[0].c.New = "eve@example.org"; return cs })
		}},
		{"link row the new cycle wrote", `UPDATE links SET crm_id = 'CEVIL' WHERE id = 1`, 4, nil},
		{"link row of the new cycle moved to an old one", `UPDATE links SET written = 1 WHERE id = 1`, 4, nil},
		{"cycle hash replaced, chain relinked", `UPDATE cycles SET hash = 'f00' WHERE number = 3; UPDATE cycles SET prev_hash = 'f00' WHERE number = 4`, 3, nil},
		{"chain broken", `UPDATE cycles SET prev_hash = 'f00' WHERE number = 2`, 2, nil},
		{"row under a cycle to come", `INSERT INTO files VALUES (5, 1, 'output', 'x', 'ff', 1)`, 5, nil},
		{"checked cycle deleted", `DELETE FROM cycles WHERE number >= 3`, 3, nil},
	} {
		for _, load := range []bool{false, true} {
			name := e.name
			if load {
				// As in a cycle: Load first, which hashes the new rows.
				name += ", loaded"
			}
			t.Run(name, func(t *testing.T) {
				j := checkedThenOne(t)
				if _, err := j.db.Exec(`PRAGMA foreign_keys = off`); err != nil {
					t.Fatal(err)
				}
				if e.edit != nil {
					e.edit(t, j)
				} else if _, err := j.db.Exec(e.sql); err != nil {
					t.Fatal(err)
				}
				if load {
					if _, err := j.Load(); err != nil && e.cycle == 4 {
						t.Fatal(err)
					}
				}
				_, err := j.CheckNew()
				var ve *VerifyError
				if !errors.As(err, &ve) || ve.Cycle != e.cycle {
					t.Errorf("CheckNew = %v, want a *VerifyError at cycle %d", err, e.cycle)
				}
				if err := j.Verify(); !errors.As(err, &ve) {
					t.Errorf("Verify = %v, want a *VerifyError", err)
				}
			})
		}
	}
}

// What an earlier check covered is not re-hashed, nor the rows of a cycle
// whose commit checked them: an edit of such rows that leaves the hashes
// alone is for journal verify to find, and the check's text says so.
func TestCheckNewLeavesOldRowsToVerify(t *testing.T) {
	for _, cycle := range []int{1, 3} {
		j := checkedThenOne(t)
		editChanges(t, j, cycle, func(cs []storedChange) []storedChange { cs[0].c.Name = "Eve"; return cs })
		c, err := j.CheckNew()
		if err != nil {
			t.Fatalf("CheckNew = %v; it does not re-hash cycle %d", err, cycle)
		}
		if !strings.Contains(c.String(), "'contactsync journal verify' re-hashes every row") {
			t.Errorf("%q does not point to journal verify", c)
		}
		var ve *VerifyError
		if err := j.Verify(); !errors.As(err, &ve) || ve.Cycle != cycle {
			t.Errorf("Verify = %v, want cycle %d", err, cycle)
		}
	}
}

// A staged commit leaves nothing behind when aborted, and commits the
// outputs it is given when committed.
func TestStageAbortAndCommit(t *testing.T) {
	j := twoCycles(t)
	p3 := plan(3, 5, changed(smallLink(1, "Ann", "ann3@example.org")), engine.LinkState{Link: fullLink(3)}, changed(smallLink(4, "Di", "di@example.org")))
	p3.Changes = []engine.Change{{Link: 4, Side: engine.Outlook, Op: engine.OpCreate, New: "Di", Rule: engine.RuleNewInCRM, Name: "Di"}}
	in := info(3)
	in.Outputs = nil
	s, err := j.Stage(context.Background(), p3, in)
	if err != nil {
		t.Fatal(err)
	}
	s.Abort()
	if n, _, err := j.Head(); err != nil || n != 2 {
		t.Fatalf("after an aborted stage the head is cycle %d (%v), want 2", n, err)
	}
	var rows int
	j.db.QueryRow(`SELECT (SELECT count(*) FROM sets WHERE cycle = 3) + (SELECT count(*) FROM links WHERE id = 4)`).Scan(&rows)
	if rows != 0 {
		t.Errorf("an aborted stage left %d rows", rows)
	}
	if s, err = j.Stage(context.Background(), p3, in); err != nil {
		t.Fatal(err)
	}
	out := []FileHash{{Role: "output", Path: "plan.txt", SHA256: strings.Repeat("ef", 32), Size: 7}}
	if err := s.Commit(out); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(out); err == nil {
		t.Error("a staged commit committed twice")
	}
	if err := j.Verify(); err != nil {
		t.Fatal(err)
	}
	var files []FileHash
	if err := j.Read(func(r *Reader) error { var err error; files, err = r.Files(3); return err }); err != nil || len(files) != 2 || files[1] != out[0] {
		t.Errorf("cycle 3 files = %v, %v; want the input and %v", files, err, out[0])
	}
	checkForeignKeys(t, j)
}

// checkForeignKeys fails when a row references a cycle that is not there
// (a cycle is staged with foreign keys not enforced), or when a pooled
// connection is left without them enforced.
func checkForeignKeys(t *testing.T, j *Journal) {
	t.Helper()
	rows, err := j.db.Query(`PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var table string
		var rowid, fkid sql.NullInt64
		var parent string
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			t.Fatal(err)
		}
		t.Errorf("table %s row %v references a missing row of %s", table, rowid.Int64, parent)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// Every connection of the pool (two) enforces them again.
	ctx := context.Background()
	var conns []*sql.Conn
	for range 2 {
		c, err := j.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var fk int
		if err := c.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
			t.Errorf("a connection has foreign_keys = %d (%v) after a commit, want 1", fk, err)
		}
	}
	for _, c := range conns {
		c.Close()
	}
}

// Migration 8 marks the checks a journal of schema 7 recorded as checks
// made before a cycle; the checks build on them as before, and the next
// commit records one of its own.
func TestMigration8(t *testing.T) {
	path := t.TempDir() + "/sync.db"
	j, err := Open(path, Options{Now: clock()})
	if err != nil {
		t.Fatal(err)
	}
	p1 := plan(1, 3, changed(smallLink(1, "Ann", "ann@example.com")), changed(fullLink(2)))
	if err := j.Commit(p1, info(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := j.CheckNew(); err != nil {
		t.Fatal(err)
	}
	p2 := plan(2, 3, changed(smallLink(1, "Ann", "ann2@example.com")), engine.LinkState{Link: fullLink(2)})
	if err := j.Commit(p2, info(2)); err != nil {
		t.Fatal(err)
	}
	// What schema 7 wrote: the check made before cycle 2, none of a commit.
	inTx(t, j, func(tx *sql.Tx) {
		for _, q := range []string{`DELETE FROM checks WHERE at_commit = 1`, `ALTER TABLE checks DROP COLUMN at_commit`, `DROP TABLE link_pages`, `DELETE FROM schema_migrations WHERE version >= 8`} {
			if _, err := tx.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
	})
	j.Close()
	j = openTest(t, path)
	var v, checks, atCommit int
	if err := j.db.QueryRow(`SELECT (SELECT max(version) FROM schema_migrations), count(*), sum(at_commit) FROM checks`).Scan(&v, &checks, &atCommit); err != nil || v != SchemaVersion() || checks != 1 || atCommit != 0 {
		t.Fatalf("after migration 8: schema %d, %d checks, %d at commit (%v); want %d, 1, 0", v, checks, atCommit, err, SchemaVersion())
	}
	c, err := j.CheckNew()
	if err != nil {
		t.Fatal(err)
	}
	if c.From != 2 || c.Links != 1 || c.Before.Through != 1 || c.Before.AtCommit {
		t.Errorf("check on schema 7's record = %+v, want cycle 2 and its link row re-hashed", c)
	}
	if err := j.Commit(plan(3, 3, engine.LinkState{Link: smallLink(1, "Ann", "ann2@example.com")}, engine.LinkState{Link: fullLink(2)}), info(3)); err != nil {
		t.Fatal(err)
	}
	if c, err = j.CheckNew(); err != nil || c.From != 4 || c.Before.Through != 3 || !c.Before.AtCommit {
		t.Errorf("check after cycle 3 = %+v, %v; want cycle 3's own check", c, err)
	}
	if err := j.Verify(); err != nil {
		t.Fatal(err)
	}
}

// The loaded row of a link is found in id order by stepping, and in any
// other order by a search; a link Load did not read has none.
func TestLoadedStateLink(t *testing.T) {
	s := &loadedState{rows: []loadedRow{{id: 1}, {id: 3}, {id: 5}, {id: 7}}}
	for _, q := range []struct {
		id    int64
		found bool
	}{{1, true}, {3, true}, {5, true}, {1, true}, {7, true}, {2, false}, {5, true}, {7, true}, {8, false}, {0, false}} {
		r := s.link(q.id)
		if (r != nil) != q.found || r != nil && r.id != q.id {
			t.Errorf("link(%d) = %+v, want found %v", q.id, r, q.found)
		}
	}
	if (*loadedState)(nil).link(1) != nil {
		t.Error("a nil state has a row")
	}
}
