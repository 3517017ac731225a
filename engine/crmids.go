package engine

import (
	"hash/maphash"
	"math/bits"

	"contactsync/engine/contact"
)

// crmIDs finds the CRM records by their (trimmed) id without a map of a
// million strings, whose every insertion and lookup missed the cache: each
// record's id is hashed into one integer (the hash's high bits above the
// record's index), the integers are sorted, and the links' ids are found by
// a merge of their own sorted hashes with them; only ids whose hashes meet
// are compared byte for byte (a hash shared by different ids is no match).
type crmIDs struct {
	t    *contact.Table
	hs   []uint64 // idHash(id) &^ low | record, ascending
	low  uint64
	seed maphash.Seed
}

// idHash hashes a CRM id for crmIDs; a test makes every id collide.
var idHash = maphash.String

// newCRMIDs indexes the ids of t's records; lookups will ask for up to
// queries ids at once. canon is, per record, the first record with its id
// (itself for the first), -1 for a record without one.
func newCRMIDs(t *contact.Table, queries int) (x *crmIDs, canon []int32) {
	n := t.Len()
	x = &crmIDs{t: t, seed: maphash.MakeSeed()}
	x.low = uint64(1)<<bits.Len(uint(max(n, queries))) - 1
	canon = make([]int32, n)
	x.hs = make([]uint64, 0, n)
	for i := range n {
		id := trimID(t.Key(i))
		if id == "" {
			canon[i] = -1
			continue
		}
		canon[i] = int32(i)
		x.hs = append(x.hs, idHash(x.seed, id)&^x.low|uint64(i))
	}
	sortUint64sFrom(x.hs, nil, uint(bits.Len64(x.low))) // records ascending
	// Records whose ids share a hash: those with equal ids take the first
	// one's (the run is in record order).
	for lo := 0; lo < len(x.hs); {
		hi := lo + 1
		for hi < len(x.hs) && x.hs[hi]&^x.low == x.hs[lo]&^x.low {
			hi++
		}
		for a := lo; a < hi-1; a++ {
			ia := int32(x.hs[a] & x.low)
			if canon[ia] != ia {
				continue
			}
			id := trimID(t.Key(int(ia)))
			for b := a + 1; b < hi; b++ {
				if ib := int32(x.hs[b] & x.low); canon[ib] == ib && trimID(t.Key(int(ib))) == id {
					canon[ib] = ia
				}
			}
		}
		lo = hi
	}
	return x, canon
}

// findAll returns, for each of the n ids id(k) (trimmed; "" for none), the
// first record with that id, -1 for none.
func (x *crmIDs) findAll(n int, id func(k int) string) []int32 {
	if n > int(x.low)+1 { // more than it was made for: hashed again
		y, _ := newCRMIDs(x.t, n)
		*x = *y
	}
	qs := make([]uint64, 0, n)
	for k := range n {
		if s := id(k); s != "" {
			qs = append(qs, idHash(x.seed, s)&^x.low|uint64(k))
		}
	}
	tmp := make([]uint64, len(qs))
	sortUint64sFrom(qs, tmp, uint(bits.Len64(x.low))) // queries ascending
	// The candidates of each id, those whose hashes meet its hash: query
	// << 32 | record + 1.
	cands := tmp[:0]
	j := 0
	for _, q := range qs {
		h := q &^ x.low
		for j < len(x.hs) && x.hs[j]&^x.low < h {
			j++
		}
		for c := j; c < len(x.hs) && x.hs[c]&^x.low == h; c++ {
			cands = append(cands, (q&x.low)<<32|(x.hs[c]&x.low+1))
		}
	}
	qs = nil
	sortUint64s(cands, nil) // by query, then by record
	out := make([]int32, n)
	c := 0
	for k := range out {
		out[k] = -1
		if c == len(cands) || int(cands[c]>>32) != k {
			continue
		}
		s := id(k)
		for ; c < len(cands) && int(cands[c]>>32) == k; c++ {
			if i := int32(uint32(cands[c]) - 1); out[k] < 0 && trimID(x.t.Key(int(i))) == s {
				out[k] = i
			}
		}
	}
	return out
}
