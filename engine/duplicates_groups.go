package engine

import (
	"slices"
	"sync/atomic"
)

// Duplicates are the groups of likely duplicates of one side in a compact
// form: integers and the values' bytes, no pointer a member or a match. A
// cycle holds them from the search to its outputs, beside everything else
// at its peak: a million contacts' groups as DuplicateGroups (a slice a
// member, a string a match) took some 85 MB and were scanned by every
// collection; as Duplicates, about a third of that, and nothing to scan.
//
// Groups are numbered 1, 2, ... (group g is number g+1); a group's members
// are numbered in order across groups, 0 to Members()-1.
type Duplicates struct {
	groups  []int32  // group g's members are groups[g]:groups[g+1]
	members []uint32 // each member's contact (its index)
	from    []int32  // member m's matches are classes[from[m]:from[m+1]]
	classes []int32  // each match's value (a class of equal keys)
	// The values: class c's is values[at[c]:at[c+1]], its reason's letter
	// (keyEmail, ...) first.
	values string
	at     []int32
}

// Len returns the number of groups.
func (d *Duplicates) Len() int {
	if d == nil || len(d.groups) == 0 {
		return 0
	}
	return len(d.groups) - 1
}

// Members returns the number of members of all groups.
func (d *Duplicates) Members() int {
	if d == nil {
		return 0
	}
	return len(d.members)
}

// Group returns the members of group g (number g+1): lo up to hi.
func (d *Duplicates) Group(g int) (lo, hi int) { return int(d.groups[g]), int(d.groups[g+1]) }

// Index returns the contact of member m: an index into the contacts given
// to the search.
func (d *Duplicates) Index(m int) int { return int(d.members[m]) }

// Matches returns the values member m shares with another member, in the
// order e-mail, phone, name and company.
func (d *Duplicates) Matches(m int) []DuplicateMatch {
	ms := make([]DuplicateMatch, 0, d.from[m+1]-d.from[m])
	for _, c := range d.classes[d.from[m]:d.from[m+1]] {
		ms = append(ms, d.match(c))
	}
	return ms
}

// match returns the value of class c.
func (d *Duplicates) match(c int32) DuplicateMatch {
	v := d.values[d.at[c]:d.at[c+1]]
	return DuplicateMatch{Value: v[1:], Reason: keyReasons[v[0]]}
}

// AppendReason appends the reason of member m (DuplicateMember.Reason) to b.
func (d *Duplicates) AppendReason(b []byte, m int) []byte {
	for k, c := range d.classes[d.from[m]:d.from[m+1]] {
		v := d.values[d.at[c]:d.at[c+1]]
		b = appendMatch(b, k, keyReasons[v[0]], v[1:])
	}
	return b
}

// AppendReasons appends the reasons of members lo up to hi to b one after
// another (AppendReason), and where each ends in b to ends. The values of
// a run of members' matches lie anywhere (they are kept in the order of
// the contacts, the members are in the groups'): they are looked at first
// in a loop of loads that do not wait on one another, so that their
// misses of the cache overlap instead of coming one a member.
func (d *Duplicates) AppendReasons(b []byte, ends []int, lo, hi int) ([]byte, []int) {
	var sink byte
	for _, c := range d.classes[d.from[lo]:d.from[hi]] {
		sink ^= d.values[d.at[c]]
	}
	touched.Add(uint32(sink))
	for m := lo; m < hi; m++ {
		b = d.AppendReason(b, m)
		ends = append(ends, len(b))
	}
	return b, ends
}

// touched keeps the loads of AppendReasons.
var touched atomic.Uint32

// Groups returns the groups as DuplicateGroups (their matches share the
// values' string).
func (d *Duplicates) Groups() []DuplicateGroup {
	if d.Len() == 0 {
		return nil
	}
	ms := make([]DuplicateMatch, len(d.classes))
	for k, c := range d.classes {
		ms[k] = d.match(c)
	}
	members := make([]DuplicateMember, len(d.members))
	for m, i := range d.members {
		lo, hi := d.from[m], d.from[m+1]
		members[m] = DuplicateMember{Index: int(i), Matches: ms[lo:hi:hi]}
	}
	gs := make([]DuplicateGroup, d.Len())
	for g := range gs {
		lo, hi := d.Group(g)
		gs[g] = DuplicateGroup{Number: g + 1, Members: members[lo:hi:hi]}
	}
	return gs
}

// NewDuplicates returns groups in the compact form, numbered 1, 2, ... in
// their order (their Numbers are not kept), each match its own value.
func NewDuplicates(gs []DuplicateGroup) *Duplicates {
	d := &Duplicates{groups: []int32{0}, from: []int32{0}, at: []int32{0}}
	var vb []byte
	for _, g := range gs {
		for _, m := range g.Members {
			d.members = append(d.members, uint32(m.Index))
			for _, x := range m.Matches {
				d.classes = append(d.classes, int32(len(d.at)-1))
				vb = append(append(vb, keyLetters[x.Reason]), x.Value...)
				d.at = append(d.at, int32(len(vb)))
			}
			d.from = append(d.from, int32(len(d.classes)))
		}
		d.groups = append(d.groups, int32(len(d.members)))
	}
	d.values = string(vb)
	return d
}

// keyLetters are the letters of the reasons' keys.
var keyLetters = [...]byte{DupEmail: keyEmail, DupPhone: keyPhone, DupNameCompany: keyName}

// groups makes the groups of the matches found: the contacts with a match,
// in input order, grouped by their root (the first contact of the group).
func (kb *dupKeys) groups() *Duplicates {
	// Each contact's matches in the order of its keys, which is the order
	// of their reasons.
	sortUint64sFrom(kb.matches, kb.tmp, 32) // a key is matched once
	d := &Duplicates{}
	rank := kb.values // class → its rank in key order, in place
	kb.values = nil
	d.values, d.at = kb.classValues(rank)
	// The groups in the order of their roots, which are their first
	// members; the members of each in input order. A contact with a match
	// is numbered u in input order, its matches starting at from[u]; keys
	// are its group << 32 | u, sorted to lay the members out group after
	// group (writing each member into its group's place as it came was a
	// miss of the cache a member). A root is its group's first contact
	// (union keeps the smaller index), met before its other members: it
	// is then marked in parent as its group (groupOf).
	kb.hs = nil
	var counts []int32
	keys := make([]uint64, 0, len(kb.matches)) // a contact has a match or more
	from := make([]int32, 0, len(kb.matches)+1)
	contacts := make([]uint32, 0, len(kb.matches))
	for lo := 0; lo < len(kb.matches); {
		i := kb.owner[kb.matches[lo]>>32]
		hi := lo + 1
		for hi < len(kb.matches) && kb.owner[kb.matches[hi]>>32] == i {
			hi++
		}
		g := uint64(kb.groupOf(i, len(counts)))
		if int(g) == len(counts) {
			counts = append(counts, 0)
		}
		counts[g]++
		keys = append(keys, g<<32|uint64(len(from)))
		from = append(from, int32(lo))
		contacts = append(contacts, uint32(i))
		lo = hi
	}
	from = append(from, int32(len(kb.matches)))
	sortUint64sFrom(keys, kb.tmp, 32) // members numbered in order
	kb.tmp, kb.owner = nil, nil
	d.groups = make([]int32, len(counts)+1)
	for g, c := range counts {
		d.groups[g+1] = d.groups[g] + c
	}
	d.members = make([]uint32, len(keys))
	d.from = make([]int32, len(keys)+1)
	d.classes = make([]int32, 0, len(kb.matches))
	for k, key := range keys {
		u := uint32(key)
		d.members[k] = contacts[u]
		for _, m := range kb.matches[from[u]:from[u+1]] {
			d.classes = append(d.classes, rank[uint32(m)])
		}
		d.from[k+1] = int32(len(d.classes))
	}
	return d
}

// groupOf returns the group of contact i, whose root was met, or next when
// i is a root not met before.
func (kb *dupKeys) groupOf(i int32, next int) int32 {
	p := kb.parent
	r := i
	for p[r] >= 0 && p[r] != r {
		r = p[r]
	}
	if p[r] >= 0 {
		p[r] = -int32(next) - 1
		return int32(next)
	}
	p[i] = r
	return -p[r] - 1
}

// classValues returns the value of each class, once, in the order of
// their keys (the order the keys were made and kept in, not a miss of the
// cache a class): the values' bytes (each its key, the reason's letter
// first) and where each starts. It numbers the classes in that order:
// rank holds a key of each class, and is given each class's number.
func (kb *dupKeys) classValues(rank []int32) (string, []int32) {
	byKey := make([]uint64, len(rank))
	for c, j := range rank {
		byKey[c] = uint64(j)<<32 | uint64(c)
	}
	sortUint64sFrom(byKey, kb.tmp, 32) // a key is a class's once
	size := 0
	for _, x := range byKey {
		size += len(kb.key(int(x >> 32)))
	}
	vb := make([]byte, 0, size)
	at := make([]int32, 1, len(byKey)+1)
	for r, x := range byKey {
		vb = append(vb, kb.key(int(x>>32))...)
		at = append(at, int32(len(vb)))
		rank[uint32(x)] = int32(r)
	}
	kb.chunks, kb.at = nil, nil
	return string(vb), slices.Clip(at)
}
