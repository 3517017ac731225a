package journal

import (
	"errors"
	"reflect"
	"testing"

	"contactsync/engine"
)

// The read API selects exactly the rows a Select names, in the order it
// names, and counts what it would read.
func TestReaderSelects(t *testing.T) {
	j := twoCycles(t)
	type row struct {
		cycle int
		link  int64
		op    engine.Op
	}
	err := j.Read(func(r *Reader) error {
		changes := func(s Select) []row {
			t.Helper()
			var out []row
			if err := r.Changes(s, func(c *ChangeRow) error {
				out = append(out, row{c.Cycle, c.Link, c.Op})
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			n, err := r.Count(s)
			if err != nil {
				t.Fatal(err)
			}
			if n.Changes != len(out) {
				t.Errorf("Count(%+v) = %d changes, Changes read %d", s, n.Changes, len(out))
			}
			return out
		}
		for _, c := range []struct {
			name string
			s    Select
			want []row
		}{
			{"all", Select{}, []row{{1, 1, engine.OpLink}, {1, 2, engine.OpCreate}, {1, 2, engine.OpCreate},
				{2, 1, engine.OpUpdate}, {2, 1, engine.OpUpdate}, {2, 2, engine.OpGroupRemove}, {2, 2, engine.OpUnlink}}},
			{"one cycle", Select{Cycle: 1}, []row{{1, 1, engine.OpLink}, {1, 2, engine.OpCreate}, {1, 2, engine.OpCreate}}},
			{"one link", Select{Links: []int64{2}}, []row{{1, 2, engine.OpCreate}, {1, 2, engine.OpCreate}, {2, 2, engine.OpGroupRemove}, {2, 2, engine.OpUnlink}}},
			{"no link", Select{Links: []int64{}}, nil},
			{"ops", Select{Ops: []engine.Op{engine.OpUpdate, engine.OpUnlink}}, []row{{2, 1, engine.OpUpdate}, {2, 1, engine.OpUpdate}, {2, 2, engine.OpUnlink}}},
			{"not ops", Select{Cycle: 2, NotOps: []engine.Op{engine.OpUpdate}}, []row{{2, 2, engine.OpGroupRemove}, {2, 2, engine.OpUnlink}}},
			{"by link", Select{ByLink: true}, []row{{1, 1, engine.OpLink}, {2, 1, engine.OpUpdate}, {2, 1, engine.OpUpdate},
				{1, 2, engine.OpCreate}, {1, 2, engine.OpCreate}, {2, 2, engine.OpGroupRemove}, {2, 2, engine.OpUnlink}}},
			{"an operation with a quote", Select{Ops: []engine.Op{"x' OR '1'='1"}}, nil},
		} {
			if got := changes(c.s); !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s: changes %v, want %v", c.name, got, c.want)
			}
		}
		var kinds []string
		if err := r.Notices(Select{Kinds: []string{"ambiguous"}}, func(x *NoticeRow) error {
			kinds = append(kinds, string(x.Kind))
			return nil
		}); err != nil || len(kinds) != 1 {
			t.Errorf("notices of kind ambiguous: %v, %v", kinds, err)
		}
		if n, err := r.Count(Select{Kinds: []string{"arrived"}}); err != nil || n.Notices != 0 || n.Changes != 7 || n.Conflicts != 1 {
			t.Errorf("Count with a notice kind = %+v, %v", n, err)
		}
		var cs []ConflictRow
		if err := r.Conflicts(Select{Cycle: 2}, func(c *ConflictRow) error { cs = append(cs, *c); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(cs) != 1 || cs[0].CRMStamp != "2026-03-02T09:30:00+01:00" || !cs[0].CRMTime.Equal(t0) || cs[0].Winner != "outlook" {
			t.Errorf("conflicts of cycle 2 = %+v", cs)
		}
		tl, err := r.Tally(2)
		if err != nil {
			t.Fatal(err)
		}
		if tl.SideOp["crm"]["update"] != 1 || tl.SideOp["-"]["unlink"] != 1 || tl.Rules["deleted-in-outlook"] != 2 || tl.Fields["notes"] != 1 || len(tl.Fields) != 2 {
			t.Errorf("Tally(2) = %+v", tl)
		}
		if cy, err := r.Cycles(2, 0); err != nil || len(cy) != 1 || cy[0].Number != 2 || cy[0].PrevHash == "" || cy[0].OpenLinks != 2 {
			t.Errorf("Cycles(2, 0) = %+v, %v", cy, err)
		}
		if _, err := r.Cycle(3); !errors.Is(err, ErrNoCycle) {
			t.Errorf("Cycle(3) = %v, want ErrNoCycle", err)
		}
		for key, want := range map[string][]int64{"ANN@example.com": {1}, " mailto:zoe3@example.com": {3}, "OL2": {2}} {
			if got, err := r.LinksOf(key); err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("LinksOf(%q) = %v, %v; want %v", key, got, err, want)
			}
		}
		if _, err := r.LinksOf("example.com"); !errors.Is(err, ErrNoContact) {
			t.Errorf("LinksOf a part of an address = %v, want ErrNoContact", err)
		}
		l2, err := r.Link(2)
		if err != nil || l2 == nil || l2.Closed != 2 || l2.Opened != 1 || l2.Name != "Bob Lee" || l2.CRMID != "C2" {
			t.Errorf("Link(2) = %+v, %v", l2, err)
		}
		if l, err := r.Link(99); l != nil || err != nil {
			t.Errorf("Link(99) = %+v, %v; want none", l, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
