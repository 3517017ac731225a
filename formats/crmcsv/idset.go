package crmcsv

import (
	"hash/maphash"
	"unsafe"
)

// idSet is the set of the CONTACTIDs a dump's rows held so far, each with
// the line it was first on: the duplicate check of a contacts table of a
// million rows, which a Go map of strings made cost 0.8 s CPU. The cost
// is the memory's, not the work's: a probe at a random place of a table of
// millions of ids waits for the memory (a miss of every cache and of the
// TLB, 0.3 to 1 µs on a busy machine), twice a row for a map (a look and
// an insert), and the map copies every id, which the collector scans.
//
// So an id greater than every id before it, the usual case (a dump comes
// in its table's order, the order of its ids), is new without a look:
// it is appended, side by side with the others, and put in the hash set
// only when an id that is not the greatest comes, which must be looked up
// (flush puts the ids in a loop of independent stores, which the
// processor overlaps). The hash set is linear probing over a byte per
// slot, 8 bits of the id's hash, and the id's number beside it, read only
// when the byte agrees. Nothing holds a pointer, so the collector has
// nothing to scan.
type idSet struct {
	// tags and nums are the hash set: a slot is empty when its tag is 0,
	// else it holds the id of number nums[i], whose hash's top 8 bits (1
	// when those are 0) are tags[i]. It holds the ids before number
	// indexed; the others are greater than every id before them.
	tags    []uint8
	nums    []uint64
	indexed int
	// ids are the ids in pages of idPage (never copied as they grow):
	// where each one's bytes are in text and the line it was first on.
	ids  [][]idEntry
	n    int
	text [][]byte // the ids' bytes, side by side, in chunks of textChunk
	max  int      // the number of the greatest id, -1 for none
	seed maphash.Seed
}

type idEntry struct {
	chunk, off uint32 // an id longer than a chunk has one of its own, at 0
	len, line  int
}

const (
	idPage    = 4096
	textChunk = 256 << 10
)

func newIDSet() *idSet { return &idSet{seed: maphash.MakeSeed(), max: -1} }

// entry returns the entry of id number k.
func (s *idSet) entry(k int) *idEntry { return &s.ids[k/idPage][k%idPage] }

// id returns id number k.
func (s *idSet) id(k int) string {
	e := s.entry(k)
	return unsafe.String(unsafe.SliceData(s.text[e.chunk][e.off:]), e.len)
}

// tagOf is the tag of a hash: its top 8 bits, 1 for 0 (0 is empty).
func tagOf(h uint64) uint8 { return max(1, uint8(h>>56)) }

// add adds id, first seen on line, and reports true; when the set holds id
// already, it returns the line it was first on and false.
func (s *idSet) add(id string, line int) (int, bool) {
	if s.max < 0 || id > s.id(s.max) {
		s.max = s.n
		s.push(id, line)
		return 0, true
	}
	s.flush()
	return s.addHashed(id, maphash.String(s.seed, id), line)
}

// push appends id, seen first on line, as the next number.
func (s *idSet) push(id string, line int) {
	t := len(s.text) - 1
	if t < 0 || len(s.text[t])+len(id) > cap(s.text[t]) {
		s.text = append(s.text, make([]byte, 0, max(textChunk, len(id))))
		t++
	}
	e := idEntry{chunk: uint32(t), off: uint32(len(s.text[t])), len: len(id), line: line}
	s.text[t] = append(s.text[t], id...)
	if s.n%idPage == 0 {
		s.ids = append(s.ids, make([]idEntry, 0, idPage))
	}
	p := len(s.ids) - 1
	s.ids[p] = append(s.ids[p], e)
	s.n++
}

// addHashed is add of id, whose hash is h, to the hash set, which holds
// every id (flush).
func (s *idSet) addHashed(id string, h uint64, line int) (int, bool) {
	if (s.n+1)*2 > len(s.tags) {
		s.grow(s.n + 1)
	}
	tag := tagOf(h)
	mask := uint64(len(s.tags) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.tags[i] {
		case 0:
			k := s.n
			s.tags[i], s.nums[i] = tag, uint64(k)
			s.push(id, line)
			s.indexed = k + 1
			return 0, true
		case tag:
			if k := int(s.nums[i]); s.id(k) == id {
				return s.entry(k).line, false
			}
		}
	}
}

// flush puts the ids not yet in the hash set in it.
func (s *idSet) flush() {
	if s.indexed == s.n {
		return
	}
	if s.n*2 > len(s.tags) {
		s.grow(s.n)
		return
	}
	s.place(s.indexed)
}

// grow makes room in the hash set for n ids (at least 1,024 slots, twice
// n or more) and places every id in it.
func (s *idSet) grow(n int) {
	size := max(1024, len(s.tags))
	for n*2 > size {
		size *= 2
	}
	s.tags, s.nums = make([]uint8, size), make([]uint64, size)
	s.place(0)
}

// place puts the ids from number k on in the hash set, which holds none
// of them and has room for them.
func (s *idSet) place(k int) {
	mask := uint64(len(s.tags) - 1)
	for ; k < s.n; k++ {
		h := maphash.String(s.seed, s.id(k))
		i := h & mask
		for s.tags[i] != 0 {
			i = (i + 1) & mask
		}
		s.tags[i], s.nums[i] = tagOf(h), uint64(k)
	}
	s.indexed = s.n
}
