package engine

import (
	"cmp"
	"hash/maphash"
	"slices"
	"strings"

	"contactsync/engine/contact"
)

// Likely duplicates within one side.
//
// A duplicate on one side can be linked to only one contact on the other,
// so a bulk migration multiplies whatever duplicates it starts with.
// FindDuplicates groups the contacts of one side that are likely one
// person: they share a normalised e-mail address (any of E-mail 1-3), a
// personal phone number in one canonical form (business, business 2,
// mobile, home, home 2, other: not fax, pager, assistant or company main
// numbers, which people share), or their name together with their company
// after folding case and accents (contact.FoldName; a contact without a
// name is never grouped by name). Groups are the connected sets of such
// matches: if A shares an e-mail with B and B a phone with C, all three are
// one group.

// DuplicateReason is one kind of evidence that two contacts are one.
type DuplicateReason string

// The reasons.
const (
	DupEmail       DuplicateReason = "e-mail"
	DupPhone       DuplicateReason = "phone"
	DupNameCompany DuplicateReason = "name and company"
)

// DuplicateOptions say how values are compared.
type DuplicateOptions struct {
	// PhoneKey returns the canonical form of a phone number (E.164), or ""
	// when the value is no number. Nil compares the digits. It may be
	// slow: it is called only for numbers whose last seven digits another
	// contact's number shares.
	PhoneKey func(string) string
	// CaseSensitiveKeys compares e-mail addresses case-sensitively.
	CaseSensitiveKeys bool
}

// DuplicateGroup is one set of likely duplicate contacts.
type DuplicateGroup struct {
	Number  int               // 1, 2, ... in the order of the groups' first contacts
	Members []DuplicateMember // in input order
}

// DuplicateMember is one contact of a group.
type DuplicateMember struct {
	Index int // into the contacts given to FindDuplicates
	// Matches are the values this contact shares with another member, in
	// the order e-mail, phone, name and company.
	Matches []DuplicateMatch
}

// DuplicateMatch is one shared value.
type DuplicateMatch struct {
	Reason DuplicateReason
	Value  string // the normalised e-mail, the phone key, or "name / company" as folded
}

// String is "e-mail ann@example.com", "phone +4930123456", "name and company ann lee / acme".
func (m DuplicateMatch) String() string { return string(m.Reason) + " " + m.Value }

// Reason joins the matches of a member: "e-mail a@b.com; phone +1555...".
func (m *DuplicateMember) Reason() string {
	parts := make([]string, len(m.Matches))
	for i, x := range m.Matches {
		parts[i] = x.String()
	}
	return strings.Join(parts, "; ")
}

var dupPhoneFields = []contact.Field{
	contact.PhoneBusiness, contact.PhoneBusiness2, contact.PhoneMobile,
	contact.PhoneHome, contact.PhoneHome2, contact.PhoneOther,
}

var dupEmailFields = []contact.Field{contact.Email1, contact.Email2, contact.Email3}

// FindDuplicates returns the groups of likely duplicates among cs (see the
// comment above DuplicateReason). It is a pure function of its inputs;
// time and memory grow linearly with the contacts.
//
// Each contact's keys (its reason's letter and the value) are hashed, not
// kept: the hashes are sorted, and only contacts whose hashes meet another
// contact's have their keys made again and compared, so a million unique
// keys cost a sort, not a map of a million strings.
func FindDuplicates(cs contact.Records, o DuplicateOptions) []DuplicateGroup {
	n := cs.Len()
	d := dupFinder{parent: make([]int32, n)}
	for i := range d.parent {
		d.parent[i] = int32(i)
	}
	kb := dupKeys{cs: cs, o: o, phones: d.phones(cs, o.PhoneKey), companies: map[contact.Handle]string{}}
	kb.t, _ = cs.(*contact.Table)
	seed := maphash.MakeSeed()
	type hashed struct {
		h    uint64
		i    int32
		slot int32 // the key's place among the contact's keys
	}
	all := make([]hashed, 0, 3*n)
	for i := range n {
		kb.each(i, func(slot int, key []byte) {
			all = append(all, hashed{dupHash(seed, key), int32(i), int32(slot)})
		})
	}
	slices.SortFunc(all, func(a, b hashed) int {
		if c := cmp.Compare(a.h, b.h); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	// The runs of one hash held by several contacts: their keys made again
	// and compared (a hash shared by different keys is not a match).
	type match struct {
		i, slot int32
		key     string
	}
	var matches []match
	var keys []string
	for lo := 0; lo < len(all); {
		hi := lo + 1
		for hi < len(all) && all[hi].h == all[lo].h {
			hi++
		}
		run := all[lo:hi]
		lo = hi
		if len(run) < 2 {
			continue
		}
		keys = keys[:0]
		for _, x := range run {
			keys = append(keys, kb.key(int(x.i), int(x.slot)))
		}
		for a := range run {
			if keys[a] == "" {
				continue // taken by an earlier key of the run
			}
			first, k, count := run[a].i, keys[a], 0
			for b := a; b < len(run); b++ {
				if keys[b] == k && (b == a || keys[b] != "") {
					count++
				}
			}
			if count < 2 {
				continue
			}
			for b := a; b < len(run); b++ {
				if b != a && keys[b] != k {
					continue
				}
				d.union(first, run[b].i)
				matches = append(matches, match{run[b].i, run[b].slot, k})
				if b != a {
					keys[b] = ""
				}
			}
			keys[a] = ""
		}
	}
	if !d.any {
		return nil
	}
	// Each contact's matches in the order of its keys.
	slices.SortFunc(matches, func(a, b match) int {
		if c := cmp.Compare(a.i, b.i); c != 0 {
			return c
		}
		return cmp.Compare(a.slot, b.slot)
	})
	members := map[int32][]int{}
	var roots []int32
	for i := range n {
		r := d.find(int32(i))
		if r == int32(i) && !d.joined[r] {
			continue
		}
		if _, ok := members[r]; !ok {
			roots = append(roots, r)
		}
		members[r] = append(members[r], i)
	}
	var groups []DuplicateGroup
	for _, r := range roots {
		idx := members[r]
		if len(idx) < 2 {
			continue
		}
		g := DuplicateGroup{Number: len(groups) + 1}
		for _, i := range idx {
			m := DuplicateMember{Index: i}
			k, _ := slices.BinarySearchFunc(matches, int32(i), func(x match, i int32) int { return cmp.Compare(x.i, i) })
			for ; k < len(matches) && matches[k].i == int32(i); k++ {
				key := matches[k].key
				m.Matches = append(m.Matches, DuplicateMatch{Reason: keyReasons[key[0]], Value: key[1:]})
			}
			slices.SortStableFunc(m.Matches, func(a, b DuplicateMatch) int { return cmp.Compare(reasonOrder(a.Reason), reasonOrder(b.Reason)) })
			g.Members = append(g.Members, m)
		}
		groups = append(groups, g)
	}
	return groups
}

// dupHash hashes a key of FindDuplicates; a test makes every key collide.
var dupHash = maphash.Bytes

// dupKeys makes the keys of a contact for FindDuplicates: its e-mails,
// phone keys and name-and-company, each once, in that order.
type dupKeys struct {
	cs        contact.Records
	t         *contact.Table // cs, when a table: companies folded once
	o         DuplicateOptions
	phones    [][]string
	companies map[contact.Handle]string
	buf       []byte
	seen      [][]byte // the keys of the contact so far
	store     []byte   // their bytes
}

// each calls f with every key of contact i and its place (slot); key is
// valid during the call only.
func (kb *dupKeys) each(i int, f func(slot int, key []byte)) {
	kb.seen, kb.store = kb.seen[:0], kb.store[:0]
	emit := func() {
		for _, s := range kb.seen {
			if string(s) == string(kb.buf) {
				return // the same key in another field
			}
		}
		start := len(kb.store)
		kb.store = append(kb.store, kb.buf...)
		kb.seen = append(kb.seen, kb.store[start:len(kb.store):len(kb.store)])
		f(len(kb.seen)-1, kb.buf)
	}
	cs := kb.cs
	for _, fd := range dupEmailFields {
		if kb.t != nil && kb.t.Handle(i, fd) == 0 {
			continue
		}
		if e := contact.NormalizeEmail(cs.Get(i, fd), kb.o.CaseSensitiveKeys); e != "" {
			kb.buf = append(append(kb.buf[:0], keyEmail), e...)
			emit()
		}
	}
	for _, pk := range kb.phones[i] {
		kb.buf = append(append(kb.buf[:0], keyPhone), pk...)
		emit()
	}
	// FoldName of "first middle last": the folded parts joined by a space.
	kb.buf = append(kb.buf[:0], keyName)
	for _, fd := range []contact.Field{contact.First, contact.Middle, contact.Last} {
		k := len(kb.buf)
		if k > 1 {
			kb.buf = append(kb.buf, ' ')
		}
		if kb.buf = contact.AppendFoldName(kb.buf, cs.Get(i, fd)); len(kb.buf) == k+1 && k > 1 {
			kb.buf = kb.buf[:k] // an empty part
		}
	}
	if len(kb.buf) > 1 {
		kb.buf = append(kb.buf, " / "...)
		if kb.t != nil {
			// Companies repeat: each folded once.
			h := kb.t.Handle(i, contact.Company)
			fc, ok := kb.companies[h]
			if !ok {
				fc = contact.FoldName(kb.t.Pool().Get(h))
				kb.companies[h] = fc
			}
			kb.buf = append(kb.buf, fc...)
		} else {
			kb.buf = contact.AppendFoldName(kb.buf, cs.Get(i, contact.Company))
		}
		emit()
	}
}

// key returns the key of contact i at slot.
func (kb *dupKeys) key(i, slot int) string {
	var k string
	kb.each(i, func(s int, key []byte) {
		if s == slot {
			k = string(key)
		}
	})
	return k
}

// The letters that start a key of FindDuplicates, by reason.
const (
	keyEmail = 'e'
	keyPhone = 'p'
	keyName  = 'n'
)

var keyReasons = map[byte]DuplicateReason{keyEmail: DupEmail, keyPhone: DupPhone, keyName: DupNameCompany}

func reasonOrder(r DuplicateReason) int {
	switch r {
	case DupEmail:
		return 0
	case DupPhone:
		return 1
	}
	return 2
}

type dupFinder struct {
	parent []int32
	joined map[int32]bool // roots with another member
	any    bool
}

func (d *dupFinder) find(i int32) int32 {
	for d.parent[i] != i {
		d.parent[i] = d.parent[d.parent[i]]
		i = d.parent[i]
	}
	return i
}

func (d *dupFinder) union(a, b int32) {
	ra, rb := d.find(a), d.find(b)
	if ra == rb {
		return
	}
	if rb < ra {
		ra, rb = rb, ra
	}
	d.parent[rb] = ra // the smaller index is the root: groups keep input order
	if d.joined == nil {
		d.joined = map[int32]bool{}
	}
	d.joined[ra] = true
	d.any = true
}

// phones returns the phone keys of each contact. The canonical form can
// be costly to compute (a full parse against the numbering plan), so only
// numbers that share their last seven digits with another contact's number
// are put in it: two numbers with one canonical form end in the same
// national number, which is the tail of their digits however written.
func (d *dupFinder) phones(cs contact.Records, key func(string) string) [][]string {
	n := cs.Len()
	out := make([][]string, n)
	// Every number's tail with its slot (contact and field), sorted: a
	// tail that two contacts share is a run of two contacts or more.
	w := len(dupPhoneFields)
	var tails []uint64
	for i := range n {
		for k, f := range dupPhoneFields {
			if t := phoneTail(cs.Get(i, f)); t != 0 {
				tails = append(tails, uint64(t)<<32|uint64(i*w+k))
			}
		}
	}
	slices.Sort(tails)
	shared := make([]bool, n*w)
	for lo := 0; lo < len(tails); {
		hi := lo + 1
		for hi < len(tails) && tails[hi]>>32 == tails[lo]>>32 {
			hi++
		}
		if first, last := uint32(tails[lo])/uint32(w), uint32(tails[hi-1])/uint32(w); first != last {
			for _, x := range tails[lo:hi] {
				shared[uint32(x)] = true
			}
		}
		lo = hi
	}
	for i := range n {
		for k, f := range dupPhoneFields {
			if !shared[i*w+k] {
				continue // no other contact has a number ending so
			}
			raw := cs.Get(i, f)
			var pk string
			if key != nil {
				pk = key(raw)
			} else {
				pk = phoneDigits(raw)
			}
			if pk != "" {
				out[i] = append(out[i], pk)
			}
		}
	}
	return out
}

// phoneDigits returns the digits of a phone number before any extension
// (the first letter or '#' ends the number proper).
func phoneDigits(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			b = append(b, c)
		case c == '#' || (c|0x20 >= 'a' && c|0x20 <= 'z'):
			return string(b)
		}
	}
	return string(b)
}

// phoneTail is the last seven digits of a number, as a number with a
// leading 1 (so that no tail is 0); 0 for fewer than five digits (no
// number). Extensions are not part of it.
func phoneTail(s string) uint32 {
	var t uint32
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '#' || (c|0x20 >= 'a' && c|0x20 <= 'z') {
			break
		}
		if c >= '0' && c <= '9' {
			t = (t*10 + uint32(c-'0')) % 10000000
			n++
		}
	}
	if n < 5 {
		return 0
	}
	if n < 7 {
		// Fewer than seven digits: keep the count, so 01234 and 1234x differ.
		return t + uint32(n)*10000000
	}
	return t + 10000000*10
}

// TableFields are the fields a side's table keeps for a cycle under p: the
// mapped ones and those FindDuplicates reads (contact.NewTable adds the
// identity fields).
func TableFields(p Policy) []contact.Field {
	fs := slices.Clone(p.fields())
	for _, f := range append(slices.Clone(dupPhoneFields), dupEmailFields...) {
		if !slices.Contains(fs, f) {
			fs = append(fs, f)
		}
	}
	return fs
}
