package engine

import (
	"fmt"
	"hash/maphash"
	"testing"
)

// The e-mail index numbers each e-mail once and finds it again, whether it
// was made for fewer e-mails than it gets (it grows) and whether every
// e-mail's hash is alike (compared by value), in batches or one at a time;
// the CRM slots of an e-mail chain in order, a contact once.
func TestEmailIndex(t *testing.T) {
	defer func() { emailHash = maphash.String }()
	for _, collide := range []bool{false, true} {
		emailHash = maphash.String
		if collide {
			emailHash = func(maphash.Seed, string) uint64 { return 7 }
		}
		for _, made := range []int{1, 500} {
			ix := newEmailIndex(made)
			var b emailBatch
			var own []int32
			for k := range 300 {
				e := ""
				if k%7 != 0 {
					e = fmt.Sprintf("user%d@example.com", k%150) // each twice
				}
				if b.put(e, 0) {
					own = ix.addAll(&b, own)
				}
			}
			own = ix.addAll(&b, own)
			if len(own) != 300 || len(ix.entries) != 150 { // k and k+150 are never both multiples of 7
				t.Fatalf("collide %v, made for %d: %d entries for %d places", collide, made, len(ix.entries), len(own))
			}
			for k, x := range own {
				want := fmt.Sprintf("user%d@example.com", k%150)
				switch {
				case k%7 == 0 && x != -1:
					t.Fatalf("place %d: no e-mail has entry %d", k, x)
				case k%7 != 0 && (x < 0 || ix.entries[x].email != want):
					t.Fatalf("collide %v: place %d: entry %d, want %q", collide, k, x, want)
				}
				if got, ok := ix.lookup(want); k%7 != 0 && (!ok || got != x) {
					t.Fatalf("lookup %q: %d %v, want %d", want, got, ok, x)
				}
			}
			if _, ok := ix.lookup("nobody@example.com"); ok {
				t.Fatal("an e-mail never added is found")
			}
			ix.next = make([]int32, 20)
			for _, s := range []int32{4, 5, 9, 2} { // contacts 2, 2, 4, 1
				if b.put("user1@example.com", s) {
					t.Fatal("batch full")
				}
			}
			b.put("nobody@example.com", 10)
			ix.addAllCRM(&b)
			en := ix.entries[own[1]]
			var chain []int32
			for s := en.head; s >= 0; s = ix.next[s] {
				chain = append(chain, s)
			}
			if fmt.Sprint(chain) != "[4 9 2]" {
				t.Fatalf("collide %v: the chain of user1@example.com is %v, want [4 9 2]", collide, chain)
			}
		}
	}
}
