package journal

import (
	"context"
	"errors"
	"strings"
	"testing"

	"contactsync/engine"
)

// threeChecked is twoCycles with a check before a third cycle, which
// writes link 1 again and records the check.
func threeChecked(t *testing.T) *Journal {
	t.Helper()
	j := twoCycles(t)
	c, err := j.CheckNew()
	if err != nil {
		t.Fatal(err)
	}
	if c.Cycles != 2 || c.From != 1 || c.Links != 3 || c.Before.Through != 0 {
		t.Errorf("first check = %+v, want cycles 1..2 and their 3 link rows re-hashed, nothing before", c)
	}
	p3 := plan(3, 4, changed(smallLink(1, "Ann", "ann3@example.org")), engine.LinkState{Link: fullLink(3)})
	p3.Changes = []engine.Change{{Link: 1, Side: engine.CRM, Op: engine.OpUpdate, Field: "email1", Old: "ann.lee@example.org", New: "ann3@example.org", Rule: engine.RuleChangedInOutlook, Name: "Ann Lee"}}
	if err := j.Commit(p3, info(3)); err != nil {
		t.Fatal(err)
	}
	return j
}

// A cycle's check re-hashes what is new since the check the last cycle
// recorded, checks the chain of every cycle's hash, and says so.
func TestCheckNewChecksWhatIsNew(t *testing.T) {
	j := threeChecked(t)
	if _, err := j.Load(); err != nil {
		t.Fatal(err)
	}
	if s := j.loadedSums(3, 3); len(s) != 1 || s[0].id != 1 || !s[0].ok {
		t.Errorf("Load hashed %+v, want link 1's row, which cycle 3 wrote", s)
	}
	c, err := j.CheckNew()
	if err != nil {
		t.Fatal(err)
	}
	if c.Cycles != 3 || c.From != 3 || c.Links != 1 || c.Before.Through != 2 || c.Before.From != 1 {
		t.Errorf("check = %+v, want the chain of 3 cycles, cycle 3 and its 1 link row re-hashed, on a check through cycle 2", c)
	}
	for _, want := range []string{"the chain of hashes of cycles 1 to 3 links up", "the rows of cycle 3 and the 1 link rows they wrote match their hashes",
		"cycles 1 to 2 had been checked row by row", "journal verify"} {
		if !strings.Contains(c.String(), want) {
			t.Errorf("%q does not say %q", c, want)
		}
	}
	// Nothing new: the chain only.
	p4 := plan(4, 4, engine.LinkState{Link: smallLink(1, "Ann", "ann3@example.org")}, engine.LinkState{Link: fullLink(3)})
	if err := j.Commit(p4, info(4)); err != nil {
		t.Fatal(err)
	}
	if c, err = j.CheckNew(); err != nil || c.From != 4 || c.Links != 0 || c.Before.Through != 3 {
		t.Errorf("check after an empty cycle = %+v, %v", c, err)
	}
}

func TestCheckNewFindsEditsOfWhatIsNew(t *testing.T) {
	for _, e := range []struct {
		name  string
		sql   string
		cycle int
		edit  func(*testing.T, *Journal)
	}{
		{"change of the new cycle", "", 3, func(t *testing.T, j *Journal) {
			editChanges(t, j, 3, func(cs []storedChange) []storedChange { cs[0].c.New = "eve@example.org"; return cs })
		}},
		{"link row the new cycle wrote", `UPDATE links SET crm_id = 'CEVIL' WHERE id = 1`, 3, nil},
		{"link row of the new cycle moved to an old one", `UPDATE links SET written = 1 WHERE id = 1`, 3, nil},
		{"cycle hash replaced, chain relinked", `UPDATE cycles SET hash = 'f00' WHERE number = 2; UPDATE cycles SET prev_hash = 'f00' WHERE number = 3`, 2, nil},
		{"chain broken", `UPDATE cycles SET prev_hash = 'f00' WHERE number = 2`, 2, nil},
		{"row under a cycle to come", `INSERT INTO files VALUES (4, 1, 'output', 'x', 'ff', 1)`, 4, nil},
		{"checked cycle deleted", `DELETE FROM cycles WHERE number >= 2`, 2, nil},
	} {
		for _, load := range []bool{false, true} {
			name := e.name
			if load {
				// As in a cycle: Load first, which hashes the new rows.
				name += ", loaded"
			}
			t.Run(name, func(t *testing.T) {
				j := threeChecked(t)
				if _, err := j.db.Exec(`PRAGMA foreign_keys = off`); err != nil {
					t.Fatal(err)
				}
				if e.edit != nil {
					e.edit(t, j)
				} else if _, err := j.db.Exec(e.sql); err != nil {
					t.Fatal(err)
				}
				if load {
					if _, err := j.Load(); err != nil && e.cycle == 3 {
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

// What an earlier check covered is not re-hashed: an edit of an old
// cycle's rows that leaves the hashes alone is for journal verify to
// find, and the check's text says so.
func TestCheckNewLeavesOldRowsToVerify(t *testing.T) {
	j := threeChecked(t)
	editChanges(t, j, 1, func(cs []storedChange) []storedChange { cs[0].c.Name = "Eve"; return cs })
	c, err := j.CheckNew()
	if err != nil {
		t.Fatalf("CheckNew = %v; it does not re-hash cycle 1", err)
	}
	if !strings.Contains(c.String(), "'contactsync journal verify' re-hashes every row") {
		t.Errorf("%q does not point to journal verify", c)
	}
	var ve *VerifyError
	if err := j.Verify(); !errors.As(err, &ve) || ve.Cycle != 1 {
		t.Errorf("Verify = %v, want cycle 1", err)
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
}
