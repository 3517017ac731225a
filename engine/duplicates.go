package engine

import (
	"cmp"
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
func FindDuplicates(cs contact.Records, o DuplicateOptions) []DuplicateGroup {
	n := cs.Len()
	d := dupFinder{parent: make([]int32, n)}
	for i := range d.parent {
		d.parent[i] = int32(i)
	}
	// Every contact's keys, each once (a contact with one number in two
	// fields is not its own duplicate), in one flat slice: keys[at[i]:at[i+1]].
	keys := make([]DuplicateMatch, 0, n*2)
	at := make([]int32, n+1)
	cur := 0 // the contact keys are being added for
	add := func(i int, m DuplicateMatch) {
		if !slices.Contains(keys[at[i]:], m) {
			keys = append(keys, m)
		}
	}
	phoneKeys := d.phones(cs, o.PhoneKey)
	for i := range n {
		cur = i
		at[i] = int32(len(keys))
		for _, f := range dupEmailFields {
			if e := contact.NormalizeEmail(cs.Get(i, f), o.CaseSensitiveKeys); e != "" {
				add(cur, DuplicateMatch{DupEmail, e})
			}
		}
		for _, pk := range phoneKeys[i] {
			add(cur, DuplicateMatch{DupPhone, pk})
		}
		if first, middle, last := cs.Get(i, contact.First), cs.Get(i, contact.Middle), cs.Get(i, contact.Last); first != "" || middle != "" || last != "" {
			if name := contact.FoldName(first + " " + middle + " " + last); name != "" {
				add(cur, DuplicateMatch{DupNameCompany, name + " / " + contact.FoldName(cs.Get(i, contact.Company))})
			}
		}
	}
	at[n] = int32(len(keys))
	// Union every contact with the first contact of each of its keys, and
	// count how many contacts hold each key: one map lookup per key.
	type keyInfo struct{ first, n int32 }
	index := make(map[DuplicateMatch]int32, len(keys))
	var infos []keyInfo
	keyIdx := make([]int32, len(keys))
	for i := range n {
		for j := at[i]; j < at[i+1]; j++ {
			k, ok := index[keys[j]]
			if !ok {
				k = int32(len(infos))
				index[keys[j]] = k
				infos = append(infos, keyInfo{first: int32(i)})
			} else {
				d.union(infos[k].first, int32(i))
			}
			infos[k].n++
			keyIdx[j] = k
		}
	}
	if !d.any {
		return nil
	}
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
			for j := at[i]; j < at[i+1]; j++ {
				if infos[keyIdx[j]].n > 1 {
					m.Matches = append(m.Matches, keys[j])
				}
			}
			slices.SortStableFunc(m.Matches, func(a, b DuplicateMatch) int { return cmp.Compare(reasonOrder(a.Reason), reasonOrder(b.Reason)) })
			g.Members = append(g.Members, m)
		}
		groups = append(groups, g)
	}
	return groups
}

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
	type tailOwner struct {
		first  int32
		shared bool
	}
	owner := make(map[uint32]tailOwner, n)
	tails := make([]uint32, n*len(dupPhoneFields)) // 0: no number
	for i := range n {
		for k, f := range dupPhoneFields {
			t := phoneTail(cs.Get(i, f))
			if t == 0 {
				continue
			}
			tails[i*len(dupPhoneFields)+k] = t
			switch o, ok := owner[t]; {
			case !ok:
				owner[t] = tailOwner{first: int32(i)}
			case !o.shared && o.first != int32(i):
				owner[t] = tailOwner{shared: true}
			}
		}
	}
	for i := range n {
		for k, f := range dupPhoneFields {
			t := tails[i*len(dupPhoneFields)+k]
			if t == 0 || !owner[t].shared {
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
