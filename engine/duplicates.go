package engine

import (
	"bytes"
	"hash/maphash"
	"math/bits"
	"slices"
	"strings"
	"unicode/utf8"

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
type DuplicateReason uint8

// The reasons, in the order a member's matches are listed.
const (
	DupEmail DuplicateReason = iota + 1
	DupPhone
	DupNameCompany
)

var reasonNames = [...]string{DupEmail: "e-mail", DupPhone: "phone", DupNameCompany: "name and company"}

// String is "e-mail", "phone" or "name and company".
func (r DuplicateReason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return ""
}

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
	// the order e-mail, phone, name and company. The matches of every
	// member of every group share one array, and a value shared by several
	// members is stored once.
	Matches []DuplicateMatch
}

// DuplicateMatch is one shared value.
type DuplicateMatch struct {
	Value  string // the normalised e-mail, the phone key, or "name / company" as folded
	Reason DuplicateReason
}

// String is "e-mail ann@example.com", "phone +4930123456", "name and company ann lee / acme".
func (m DuplicateMatch) String() string { return m.Reason.String() + " " + m.Value }

// Reason joins the matches of a member: "e-mail a@b.com; phone +1555...".
func (m *DuplicateMember) Reason() string { return string(m.AppendReason(nil)) }

// AppendReason appends Reason to b.
func (m *DuplicateMember) AppendReason(b []byte) []byte {
	for i, x := range m.Matches {
		b = appendMatch(b, i, x.Reason, x.Value)
	}
	return b
}

// appendMatch appends the k-th match of a member's reason to b: its
// reason and value, after "; " unless it is the first. Both forms of the
// groups (DuplicateMember, Duplicates) write a reason with it.
func appendMatch(b []byte, k int, r DuplicateReason, v string) []byte {
	if k > 0 {
		b = append(b, "; "...)
	}
	b = append(b, r.String()...)
	b = append(b, ' ')
	return append(b, v...)
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
// Each contact's keys (its reason's letter and the value) are made once,
// in contact order, their bytes kept side by side in chunks, and hashed:
// one integer a key, the hash's high bits above the key's number (keys are
// numbered in contact order). The integers are sorted, and the
// keys whose hashes meet another's are compared byte for byte (a hash
// shared by different keys is not a match): a million unique keys cost a
// sort of integers, not a map of a million strings. (Making the keys of
// the runs again instead of keeping them all cost a quarter of the
// search's CPU, for some 60 MB a million contacts held while it runs.)
func FindDuplicates(cs contact.Records, o DuplicateOptions) []DuplicateGroup {
	return SearchDuplicates(cs, o).Groups()
}

// SearchDuplicates is FindDuplicates, its groups in the compact form
// (nil: none).
func SearchDuplicates(cs contact.Records, o DuplicateOptions) *Duplicates {
	n := cs.Len()
	kb := dupKeys{cs: cs, o: o}
	if kb.t, _ = cs.(*contact.Table); kb.t != nil {
		kb.names = new(foldCache)
	}
	var emails int
	kb.phoneSlots, kb.phoneKeys, kb.tmp, emails = phoneKeys(cs, o.PhoneKey)
	kb.hash(n, emails)
	kb.phoneSlots, kb.phoneKeys, kb.names = nil, nil, nil
	kb.match(n)
	if len(kb.matches) == 0 {
		return nil
	}
	return kb.groups()
}

// dupHash hashes a key of FindDuplicates; a test makes every key collide.
var dupHash = maphash.Bytes

// dupKeys makes and matches the keys of the contacts for FindDuplicates:
// each contact's e-mails, phone keys and name-and-company, each once, in
// that order (its slots).
type dupKeys struct {
	cs    contact.Records
	t     *contact.Table // cs, when a table: names and companies folded once
	o     DuplicateOptions
	names *foldCache
	// phoneSlots are the slots (contact × len(dupPhoneFields) + field)
	// whose number shares its tail with another contact's, ascending, and
	// phoneKeys their keys; phoneAt is the next one.
	phoneSlots []uint32
	phoneKeys  []string
	phoneAt    int

	// The keys of the contact being made, made in place at the end of the
	// last chunk, cur (from base), each ending at its ends (offsets in
	// cur).
	cur  []byte
	base int
	ends []int
	// The handles of the fields make reads (dupKeyFields) of a block of
	// contacts (readBlock).
	block [dupBlock * len(dupKeyFields)]contact.Handle

	// hs holds a key each: the high bits of its hash, then (low) its
	// number. Keys are numbered in contact and slot order, so that keys
	// in number order are in contact order.
	hs  []uint64
	low uint64
	// The keys' bytes, in number order, side by side in the chunks (a
	// contact's in one chunk); at is where each key starts (chunk << 32 |
	// offset), owner its contact.
	chunks [][]byte
	at     []uint64
	owner  []int32
	tmp    []uint64 // scratch space of the sorts

	parent []int32 // union-find of the contacts
	// matches are the keys another contact shares: the key's number << 32
	// | the class of equal keys (an index into values).
	matches []uint64
	values  []int32 // per class, a key of it (an index into at)
	taken   []bool  // matchRun's: the keys of the run in a class
	same    []int   // matchRun's: the keys equal to the one compared
	sink    byte    // keeps the loads of spans
}

// foldCache holds folded names and companies (contact.AppendFoldName) of
// a table by their handle, the last one of each slot (a hash of the
// handle): they repeat (a few thousand last names cover most people, a
// company has many contacts), are interned (one handle a value), and a
// value folded again when its slot was taken costs less than a map of
// them all. A slot holds the folded bytes themselves, up to foldCacheLen
// (a longer value is folded each time).
type foldCache [1 << foldCacheBits]foldEntry

// foldEntry is a slot of a foldCache.
type foldEntry struct {
	h contact.Handle
	n uint8 // the length; 0: the slot is empty
	b [foldCacheLen]byte
}

const (
	foldCacheBits = 16
	foldCacheLen  = 32 - 5
)

// slot returns the slot of handle h.
func (c *foldCache) slot(h contact.Handle) *foldEntry {
	return &c[uint32(h)*2654435761>>(32-foldCacheBits)]
}

// appendFold appends the folded value of handle h of table t to b.
func (c *foldCache) appendFold(b []byte, t *contact.Table, h contact.Handle) []byte {
	if h == 0 {
		return b
	}
	e := c.slot(h)
	if e.n > 0 && e.h == h {
		return append(b, e.b[:e.n-1]...)
	}
	k := len(b)
	b = contact.AppendFoldName(b, t.Pool().Get(h))
	if n := len(b) - k; n < foldCacheLen {
		e.h, e.n = h, uint8(n+1)
		copy(e.b[:], b[k:])
	}
	return b
}

// dupChunk is the size of a chunk of the bytes of the keys of the runs.
const dupChunk = 1 << 20

// hash hashes every key of every contact into hs, and sorts them. There
// is room for every key there may be: the e-mails (counted by phoneKeys),
// the phone keys and the names (at most one a contact).
func (kb *dupKeys) hash(n, emails int) {
	size := len(kb.phoneKeys) + emails
	kb.hs = make([]uint64, 0, size+n)
	kb.at = make([]uint64, 0, size+n)
	kb.owner = make([]int32, 0, size+n)
	kb.low = uint64(1)<<bits.Len(uint(size+n)) - 1
	high := hashBits(uint(bits.Len64(kb.low)), size+n)
	seed := maphash.MakeSeed()
	for i := range n {
		if i%dupBlock == 0 {
			kb.readBlock(i, min(n, i+dupBlock))
		}
		chunk := kb.begin()
		kb.make(i)
		kb.chunks[chunk] = kb.cur
		start := kb.base
		for _, end := range kb.ends {
			h := dupHash(seed, kb.cur[start:end])
			kb.hs = append(kb.hs, h&high|uint64(len(kb.at)))
			kb.at = append(kb.at, uint64(chunk)<<32|uint64(start))
			kb.owner = append(kb.owner, int32(i))
			start = end
		}
	}
	if len(kb.tmp) < len(kb.hs) {
		kb.tmp = make([]uint64, len(kb.hs))
	}
	sortUint64sFrom(kb.hs, kb.tmp, uint(bits.Len64(kb.low))) // numbers ascending
}

// hashBits returns the mask of the bits of a key's hash that hs keeps
// above the keys' numbers (their from bits): the sort's top digits
// (counted from from), as few as hold log2(keys)+8 bits or more. A hash
// shared by different keys is rare still (they are compared byte for
// byte), and the sort skips the digits below, which are all 0: three
// passes instead of four for a million contacts' keys.
func hashBits(from uint, keys int) uint64 {
	need := uint(bits.Len(uint(keys))) + 8
	keep := 64 - from
	for keep >= sortDigit+need {
		keep -= sortDigit
	}
	return ^uint64(0) << (64 - keep)
}

// runs calls f with the bounds in hs of every run of one hash held by
// several keys.
func (kb *dupKeys) runs(f func(lo, hi int)) {
	hs := kb.hs
	for lo := 0; lo < len(hs); {
		hi := lo + 1
		for hi < len(hs) && hs[hi]&^kb.low == hs[lo]&^kb.low {
			hi++
		}
		if hi-lo > 1 {
			f(lo, hi)
		}
		lo = hi
	}
}

// begin readies the making of a contact's keys in place at the end of the
// last chunk (cur, from base), a new one when it has less than
// dupKeysRoom left, and returns the chunk's number. A contact's keys that
// outgrow the chunk's room move it whole (append), and are kept there:
// the chunk is cur once they are made.
func (kb *dupKeys) begin() int {
	last := len(kb.chunks) - 1
	if last < 0 || cap(kb.chunks[last])-len(kb.chunks[last]) < dupKeysRoom {
		kb.chunks = append(kb.chunks, make([]byte, 0, dupChunk))
		last++
	}
	kb.cur, kb.ends = kb.chunks[last], kb.ends[:0]
	kb.base = len(kb.cur)
	return last
}

// dupKeysRoom is the room begin leaves for a contact's keys: more than
// most contacts' keys take.
const dupKeysRoom = 4 << 10

// key returns the bytes of key number j: up to the next key when it is in
// the same chunk, else to the end of the chunk.
func (kb *dupKeys) key(j int) []byte {
	a := kb.at[j]
	c := kb.chunks[a>>32]
	if j+1 < len(kb.at) && kb.at[j+1]>>32 == a>>32 {
		return c[uint32(a):uint32(kb.at[j+1])]
	}
	return c[uint32(a):]
}

// keyOf returns the number of the key of an entry of hs.
func (kb *dupKeys) keyOf(h uint64) int { return int(h & kb.low) }

// dupBlock is how many contacts' fields readBlock reads at a time.
const dupBlock = 256

// readBlock reads the handles of the fields make reads of contacts lo up
// to hi (at most dupBlock of them) into block. Of a table, it then looks
// at the folded names' slots of the names and companies (foldCache) in a
// loop of loads that do not wait on one another, so that their misses of
// the cache overlap instead of coming one after another as each key is
// made (a company's slot was missed in a third of the search's time spent
// on names, the contacts' companies being many and in no order).
func (kb *dupKeys) readBlock(lo, hi int) {
	w := len(dupKeyFields)
	rows := kb.block[:(hi-lo)*w]
	for i := lo; i < hi; i++ {
		readHandles(kb.cs, kb.t, i, dupKeyFields[:], rows[(i-lo)*w:])
	}
	if kb.t == nil {
		return
	}
	var sink uint8
	for r := 0; r < len(rows); r += w {
		for _, h := range rows[r+len(dupEmailFields) : r+w] {
			sink += kb.names.slot(h).n
		}
	}
	kb.sink ^= sink
}

// make makes the keys of contact i at the end of cur (begin), each ended
// in ends, from its handles that readBlock read.
func (kb *dupKeys) make(i int) {
	r := i % dupBlock * len(dupKeyFields)
	row := kb.block[r : r+len(dupKeyFields)]
	for k, fd := range dupEmailFields {
		if row[k] == 0 {
			continue
		}
		at := len(kb.cur)
		kb.cur = appendNormEmail(append(kb.cur, keyEmail), readValue(kb.cs, kb.t, i, fd, row[k]), kb.o.CaseSensitiveKeys)
		kb.keep(at)
	}
	w := uint32(len(dupPhoneFields))
	for kb.phoneAt < len(kb.phoneSlots) && kb.phoneSlots[kb.phoneAt]/w < uint32(i) {
		kb.phoneAt++
	}
	for ; kb.phoneAt < len(kb.phoneSlots) && kb.phoneSlots[kb.phoneAt]/w == uint32(i); kb.phoneAt++ {
		at := len(kb.cur)
		kb.cur = append(append(kb.cur, keyPhone), kb.phoneKeys[kb.phoneAt]...)
		kb.keep(at)
	}
	// FoldName of "first middle last": the folded parts joined by a space.
	// It is the contact's only key of its letter: no other is compared.
	at := len(kb.cur)
	kb.cur = append(kb.cur, keyName)
	names := row[len(dupEmailFields):]
	for k := range 3 {
		kb.cur = kb.appendNamePart(kb.cur, at, i, dupKeyFields[len(dupEmailFields)+k], names[k], true)
	}
	if len(kb.cur) == at+1 {
		kb.cur = kb.cur[:at] // no name
		return
	}
	kb.cur = append(kb.cur, " / "...)
	kb.cur = kb.appendNamePart(kb.cur, at, i, contact.Company, names[3], false)
	kb.ends = append(kb.ends, len(kb.cur))
}

// dupKeyFields are the fields make reads: the e-mails, then the names and
// the company.
// (TestDupKeyFields holds the e-mails to dupEmailFields).
var dupKeyFields = [...]contact.Field{contact.Email1, contact.Email2, contact.Email3, contact.First, contact.Middle, contact.Last, contact.Company}

// appendNamePart appends the folded value of field f of contact i, whose
// handle readHandles read as h, to b, the key that starts at key, after a
// space when part and the key holds a part already (more than its
// letter). Of a table, each value is folded once (names).
func (kb *dupKeys) appendNamePart(b []byte, key, i int, f contact.Field, h contact.Handle, part bool) []byte {
	k := len(b)
	held := k > key+1
	if part && held {
		b = append(b, ' ')
	}
	if kb.t != nil {
		b = kb.names.appendFold(b, kb.t, h)
	} else if h != 0 {
		b = contact.AppendFoldName(b, kb.cs.Get(i, f))
	}
	if part && held && len(b) == k+1 {
		b = b[:k] // an empty part
	}
	return b
}

// keep makes the key made at the end of cur, from at, one of the
// contact's keys (ends), unless it is empty (its letter alone) or the
// contact has it already (the same value in another field): then it is
// taken off cur.
func (kb *dupKeys) keep(at int) {
	key := kb.cur[at:]
	if len(key) > 1 {
		start := kb.base
		for _, end := range kb.ends {
			if bytes.Equal(kb.cur[start:end], key) {
				key = nil
				break
			}
			start = end
		}
	}
	if len(key) <= 1 {
		kb.cur = kb.cur[:at]
		return
	}
	kb.ends = append(kb.ends, len(kb.cur))
}

// appendNormEmail appends contact.NormalizeEmail(v, caseSensitive) to b,
// lower-casing ASCII in place (an address with other letters goes through
// strings.ToLower). An address of ASCII without '<', spaces at its ends or
// a "mailto:" is itself: it is looked at once.
func appendNormEmail(b []byte, v string, caseSensitive bool) []byte {
	if plainEmail(v) {
		if caseSensitive {
			return append(b, v...)
		}
		return appendLowerASCII(b, v)
	}
	v = contact.NormalizeEmail(v, true)
	if caseSensitive {
		return append(b, v...)
	}
	for i := 0; i < len(v); i++ {
		if v[i] >= utf8.RuneSelf {
			return append(b, strings.ToLower(v)...)
		}
	}
	return appendLowerASCII(b, v)
}

// plainEmail reports whether contact.NormalizeEmail(v, true) is v: v is
// ASCII, without '<', does not start or end with a space and does not
// start with "mailto:" in any case.
func plainEmail(v string) bool {
	if len(v) == 0 || asciiSpace[v[0]] || asciiSpace[v[len(v)-1]] {
		return len(v) == 0
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c >= utf8.RuneSelf || c == '<' {
			return false
		}
	}
	return len(v) < 7 || !strings.EqualFold(v[:7], "mailto:")
}

var asciiSpace = [256]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// appendLowerASCII appends v to b with its ASCII capitals made small.
func appendLowerASCII(b []byte, v string) []byte {
	n := len(b)
	b = append(b, v...)
	for i := n; i < len(b); i++ {
		if c := b[i]; 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return b
}

// match splits each run of one hash into its classes of equal keys (a hash
// shared by different keys is not a match): every contact of a class of
// two or more is joined to its first one, and each of its keys becomes a
// match.
//
// The keys of the runs lie anywhere in the chunks: a batch of runs at a
// time, where each key is, its bytes and its contact's parent are read
// first (spans), in a loop whose loads do not wait on one another, so that
// their misses of the cache overlap; then the batch's runs are split while
// those bytes are in the cache still. (Read for all the runs first, they
// were out of the cache again when compared: bytes.Equal took a third of
// the matching.)
func (kb *dupKeys) match(n int) {
	kb.parent = make([]int32, n)
	for i := range kb.parent {
		kb.parent[i] = int32(i)
	}
	// The entries of the runs, in hs order, in the scratch space of the
	// sorts (free until the groups are made).
	inRuns := kb.tmp[:0]
	kb.runs(func(lo, hi int) { inRuns = append(inRuns, kb.hs[lo:hi]...) })
	kb.matches = make([]uint64, 0, len(inRuns))
	kb.values = make([]int32, 0, len(inRuns)/2) // a class has two keys or more
	var spans []keySpan
	for lo := 0; lo < len(inRuns); {
		// A batch of whole runs, matchBatch entries or more (or the
		// rest), whose keys are looked at first.
		end := min(lo+matchBatch, len(inRuns))
		for end < len(inRuns) && inRuns[end]&^kb.low == inRuns[end-1]&^kb.low {
			end++
		}
		batch := inRuns[lo:end]
		lo = end
		spans = kb.spans(spans[:0], batch)
		for a := 0; a < len(batch); {
			b := a + 1
			for b < len(batch) && batch[b]&^kb.low == batch[a]&^kb.low {
				b++
			}
			kb.matchRun(batch[a:b], spans[a:b])
			a = b
		}
	}
}

// matchBatch is how many entries of the runs match looks at at once: their
// keys' bytes stay in the cache until they are compared.
const matchBatch = 256

// matchRun splits run, a run of one hash whose keys are at sp, into its
// classes of equal keys (see match).
func (kb *dupKeys) matchRun(run []uint64, sp []keySpan) {
	// The run is in hash order, then by key number: by contact.
	taken := append(kb.taken[:0], make([]bool, len(run))...)
	kb.taken = taken
	for a := range run {
		if taken[a] {
			continue
		}
		key := kb.span(sp[a])
		same := kb.same[:0]
		for b := a + 1; b < len(run); b++ {
			if !taken[b] && bytes.Equal(kb.span(sp[b]), key) {
				same = append(same, b)
			}
		}
		kb.same = same
		if len(same) == 0 {
			continue
		}
		ja := kb.keyOf(run[a])
		class := uint64(len(kb.values))
		kb.values = append(kb.values, int32(ja))
		kb.matches = append(kb.matches, uint64(ja)<<32|class)
		ia := kb.owner[ja]
		for _, b := range same {
			jb := kb.keyOf(run[b])
			kb.union(ia, kb.owner[jb])
			kb.matches = append(kb.matches, uint64(jb)<<32|class)
			taken[b] = true
		}
	}
}

// spans appends where the key of each entry of hs is to sp. It reads
// their first and last bytes, and their contacts' parents, in a loop whose
// loads do not wait on one another, so that their misses of the cache
// overlap.
func (kb *dupKeys) spans(sp []keySpan, hs []uint64) []keySpan {
	var sink byte
	for _, h := range hs {
		j := kb.keyOf(h)
		a := kb.at[j]
		c := kb.chunks[a>>32]
		end := uint32(len(c))
		if j+1 < len(kb.at) && kb.at[j+1]>>32 == a>>32 {
			end = uint32(kb.at[j+1])
		}
		sp = append(sp, keySpan{at: a, len: end - uint32(a)})
		// A key is never empty: its bytes are read now.
		sink ^= c[uint32(a)] ^ c[end-1] ^ byte(kb.parent[kb.owner[j]])
	}
	kb.sink ^= sink
	return sp
}

// keySpan is where a key's bytes are: at (chunk << 32 | offset) and len.
type keySpan struct {
	at  uint64
	len uint32
}

// span returns the bytes of the key at sp.
func (kb *dupKeys) span(sp keySpan) []byte {
	o := uint32(sp.at)
	return kb.chunks[sp.at>>32][o : o+sp.len]
}

// The letters that start a key of FindDuplicates, by reason.
const (
	keyEmail = 'e'
	keyPhone = 'p'
	keyName  = 'n'
)

var keyReasons = [256]DuplicateReason{keyEmail: DupEmail, keyPhone: DupPhone, keyName: DupNameCompany}

func (kb *dupKeys) find(i int32) int32 {
	p := kb.parent
	for p[i] != i {
		p[i] = p[p[i]]
		i = p[i]
	}
	return i
}

// union joins the groups of a and b; the smaller index is the root, so
// that groups keep input order.
func (kb *dupKeys) union(a, b int32) {
	ra, rb := kb.find(a), kb.find(b)
	if ra == rb {
		return
	}
	if rb < ra {
		ra, rb = rb, ra
	}
	kb.parent[rb] = ra
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
