package crmcsv

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestIDSetIsAMap holds idSet to a Go map over ids that repeat, share
// prefixes and differ in length, across several growths of the set: in
// runs of increasing ids (a dump's order, which needs no look), and in
// random order.
func TestIDSetIsAMap(t *testing.T) {
	s := newIDSet()
	want := map[string]int{}
	rng := rand.New(rand.NewPCG(1, 2))
	next := 0
	for line := 2; line < 50_000; line++ {
		var id string
		switch sorted := line/5000%2 == 0; {
		case sorted && rng.IntN(50) > 0:
			next += 1 + rng.IntN(3)
			id = fmt.Sprintf("C%08d", next)
		default:
			id = fmt.Sprintf("C%08d", rng.IntN(next+5000))
		}
		if rng.IntN(10) == 0 {
			id += " " // a different id of one more byte
		}
		first, added := s.add(id, line)
		w, dup := want[id]
		if added == dup {
			t.Fatalf("line %d: add(%q) added=%v, the map had it: %v", line, id, added, dup)
		}
		if dup && first != w {
			t.Fatalf("line %d: add(%q) says first on line %d, want %d", line, id, first, w)
		}
		if !dup {
			want[id] = line
		}
	}
	if s.n != len(want) {
		t.Fatalf("%d ids held, want %d", s.n, len(want))
	}
	for id, line := range want {
		if first, added := s.add(id, -1); added || first != line {
			t.Fatalf("add(%q) again: %d, %v; want %d, false", id, first, added, line)
		}
	}
}

// TestIDSetComparesIDs gives ids of one hash (and so one tag and one
// first slot): they are told apart by their bytes alone.
func TestIDSetComparesIDs(t *testing.T) {
	s := newIDSet()
	ids := []string{"A", "AB", "ABC", "B", "", "BA"}
	for i, id := range ids {
		if _, added := s.addHashed(id, 42, i+2); !added {
			t.Fatalf("add(%q): not added", id)
		}
	}
	for i, id := range ids {
		if first, added := s.addHashed(id, 42, 99); added || first != i+2 {
			t.Fatalf("add(%q) again: %d, %v; want %d, false", id, first, added, i+2)
		}
	}
	if _, added := s.addHashed("C", 42, 99); !added {
		t.Fatal(`add("C"): not added`)
	}
}
