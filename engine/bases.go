package engine

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"unicode"
	"unicode/utf8"

	"contactsync/engine/contact"
)

// Bases at scale: a link's base is the value of every mapped field both
// sides agreed on, forty-one strings. A million of them are most of a
// cycle's memory, and in a usual cycle almost none is needed: a link whose
// records on both sides still hold the base has nothing to merge. So the
// state can carry each link's BaseSum instead of its base (Link.Base nil),
// and the engine asks State.Bases for the full values of only the links
// whose records hash differently from their BaseSum (or that lost a record,
// or have an update pending). The sum is taken over the values as the merge
// compares them: clean (contact.Clean), an e-mail folded as same() folds it
// (letter case is no change), so equal sums mean the merge has nothing to do.

// BaseSum is a hash of a base's values (see SumValues). The zero BaseSum is
// no sum: it never matches a record.
type BaseSum [16]byte

// IsZero reports whether s is no sum.
func (s BaseSum) IsZero() bool { return s == BaseSum{} }

// Bases gives the base values of links that a State carries without them.
// The journal implements it; the engine never writes through it.
type Bases interface {
	// Bases returns the base of each link in ids (ascending), in the same
	// order. A link the journal does not hold is an error.
	Bases(ids []int64) ([]*contact.Values, error)
}

// SumValues returns the BaseSum of a base: over every non-empty value,
// clean, e-mails case-folded, in field order.
func SumValues(v *contact.Values) BaseSum {
	var s sumBuilder
	for f := range v {
		s.add(contact.Field(f), contact.Clean(contact.Field(f), v[f]))
	}
	return s.sum()
}

// PackValues packs a base: a form byte (1), then each non-empty value as
// its field's number, a uvarint length and the value, in field order. An
// empty base packs to the form byte alone.
func PackValues(v *contact.Values) string {
	n := 1
	for f := range v {
		if v[f] != "" {
			n += 1 + binary.MaxVarintLen32 + len(v[f])
		}
	}
	return string(appendPacked(make([]byte, 0, n), v))
}

// appendPacked appends PackValues of v to b.
func appendPacked(b []byte, v *contact.Values) []byte {
	b = append(b, packedForm)
	for f := range v {
		if v[f] != "" {
			b = appendPackedValue(b, contact.Field(f), v[f])
		}
	}
	return b
}

// appendPackedValue appends the non-empty value v of f as a packed base
// holds it: the field's number, a uvarint length and the value.
func appendPackedValue(b []byte, f contact.Field, v string) []byte {
	b = append(b, byte(f))
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

const packedForm = 1

// UnpackValues reads what PackValues packed. The values are substrings of
// s.
func UnpackValues(s string) (*contact.Values, error) {
	if len(s) == 0 || s[0] != packedForm {
		return nil, fmt.Errorf("packed base: not the packed form")
	}
	v := new(contact.Values)
	if err := unpackInto(s, v); err != nil {
		return nil, err
	}
	return v, nil
}

// unpackInto sets *v to the base s packs (see UnpackValues), a form byte
// first; v is left in part set when s is not a packed base.
func unpackInto(s string, v *contact.Values) error {
	*v = contact.Values{}
	last := -1
	for i := 1; i < len(s); {
		f := int(s[i])
		if f >= contact.NumFields || f <= last {
			return fmt.Errorf("packed base: field %d out of order or unknown at byte %d", f, i)
		}
		last = f
		n, k := binary.Uvarint([]byte(s[i+1 : min(len(s), i+1+binary.MaxVarintLen64)]))
		if k <= 0 || n == 0 || n > uint64(len(s)-i-1-k) || k != uvarintLen(n) {
			return fmt.Errorf("packed base: bad length at byte %d", i+1)
		}
		i += 1 + k
		v[f] = s[i : i+int(n)]
		i += int(n)
	}
	return nil
}

// uvarintLen is the length of n's shortest uvarint.
func uvarintLen(n uint64) int {
	k := 1
	for ; n >= 0x80; n >>= 7 {
		k++
	}
	return k
}

// Values returns the link's base: Base, or a new copy of the base it holds
// packed or as a record; nil when the link carries none (its base was not
// read).
func (l *Link) Values() *contact.Values {
	switch {
	case l.Base != nil:
		return l.Base
	case l.from != nil && l.from.t != nil:
		v := new(contact.Values)
		l.from.values(l.row, v)
		return v
	case l.from != nil:
		v, err := UnpackValues(l.from.packed[l.row])
		if err == nil {
			return v
		}
	}
	return nil
}

// HasBase reports whether the link carries its base, in any form (see
// Values); false for a link a state gave with only its BaseSum.
func (l *Link) HasBase() bool { return !l.unread() }

// AppendPacked appends the link's base packed (PackValues) to b; an
// empty base when it carries none. A base held as a record is packed
// here, when the journal writes it, not kept packed in the plan.
func (l *Link) AppendPacked(b []byte) []byte {
	switch {
	case l.Base != nil:
		return appendPacked(b, l.Base)
	case l.from != nil && l.from.t != nil:
		return l.from.appendPacked(b, l.row)
	case l.from != nil:
		return append(b, l.from.packed[l.row]...)
	}
	return append(b, packedForm)
}

// SetPacked makes v the link's base, kept packed, and its BaseSum v's.
func (l *Link) SetPacked(v *contact.Values) {
	l.from, l.row = &baseRecords{packed: []string{PackValues(v)}}, 0
	l.BaseSum = SumValues(v)
	l.Base = nil
}

// DropBase lets go of the link's base and keeps its BaseSum: the link as a
// state that gives only sums carries it.
func (l *Link) DropBase() { l.Base, l.from, l.row = nil, nil, 0 }

// baseRecords holds bases of links (Link.from, row): the records of a
// side's table, where a base is a record's values of fields, clean, and no
// other value; or, without a table, bases packed. A link holds its base in
// a pointer and an index, the same size whatever the form.
type baseRecords struct {
	t      *contact.Table
	fields []contact.Field
	packed []string // the bases packed (PackValues), when t is nil
}

// values sets v to the base that record i is.
func (b *baseRecords) values(i int32, v *contact.Values) {
	for _, f := range b.fields {
		v[f] = contact.Clean(f, b.t.Get(int(i), f))
	}
}

// appendPacked appends the base that record i is, packed (appendPacked
// of values): the record's handles read at once (its page found once),
// and only the fields it fills read and cleaned, without a Values between.
// The journal packs the base of every new link so: a first cycle's million.
func (b *baseRecords) appendPacked(dst []byte, i int32) []byte {
	var hs, byField [contact.NumFields]contact.Handle
	b.t.Handles(int(i), b.fields, hs[:])
	for k, f := range b.fields {
		byField[f] = hs[k]
	}
	pool := b.t.Pool()
	dst = append(dst, packedForm)
	for f, h := range byField {
		if h == 0 { // "" is 0, and only ""
			continue
		}
		if v := contact.Clean(contact.Field(f), pool.Get(h)); v != "" {
			dst = appendPackedValue(dst, contact.Field(f), v)
		}
	}
	return dst
}

// is reports whether v is the base that record i is.
func (b *baseRecords) is(i int32, v *contact.Values, mapped *[contact.NumFields]bool) bool {
	for f := range v {
		if !mapped[f] {
			if v[f] != "" {
				return false
			}
		} else if v[f] != contact.Clean(contact.Field(f), b.t.Get(int(i), contact.Field(f))) {
			return false
		}
	}
	return true
}

// pack makes v the link's base, packed, with its sum: one allocation, the
// packed string, in the reconciler's arena.
func (r *reconciler) pack(l *Link, v *contact.Values) {
	r.packBuf = appendPacked(r.packBuf[:0], v)
	if r.packed == nil {
		r.packed = &baseRecords{}
	}
	l.from, l.row = r.packed, int32(len(r.packed.packed))
	r.packed.packed = append(r.packed.packed, r.packs.String(r.packBuf))
	r.sum(l, v)
	l.Base = nil
}

// packFrom makes v the link's base, with its sum: a reference to the
// first of the records a and b (either may be none) that v is, else
// packed. Most bases a cycle makes are one of the link's records.
func (r *reconciler) packFrom(l *Link, v *contact.Values, a, b rec) {
	for _, x := range [2]rec{a, b} {
		if !x.ok() {
			continue
		}
		if r.baseRecordsOf(x.t).is(int32(x.i), v, &r.mapped) {
			r.fromRecord(l, v, x)
			return
		}
	}
	r.pack(l, v)
}

// fromRecord makes v, which is the base that record x is (baseRecords.is),
// the link's base, with its sum.
func (r *reconciler) fromRecord(l *Link, v *contact.Values, x rec) {
	l.from, l.row, l.Base = r.baseRecordsOf(x.t), int32(x.i), nil
	r.sum(l, v)
}

// sameRecordBase reports whether the records whose handles of fields are
// hs (record x of t) and gs (of u) hold the same value in each field
// (sameHandle), and when they do makes x the base of l, with its sum: the
// record's mapped values, clean (fields are r.fields, in field order: see
// fieldsSorted). The sum is fromRecord's, which cleans the clean values
// once more; it is hashed beside the reconciling (recordSums), from what
// is written while each value is read for the comparison.
func (r *reconciler) sameRecordBase(l *Link, x rec, hs []contact.Handle, u *contact.Table, gs []contact.Handle, fields []contact.Field) bool {
	t := x.t
	pool := t.Pool()
	samePool := pool == u.Pool()
	buf := r.recSums.input() // left as it was (not passed to later) when they differ
	for k, f := range fields {
		h, g := hs[k], gs[k]
		if h == 0 { // "" is 0, and only "": no value to sum
			if !(g == 0 && samePool) && !sameHandle(t, h, "", f, u, g) {
				return false
			}
			continue
		}
		raw := pool.Get(h)
		if !(h == g && samePool) && !sameHandle(t, h, raw, f, u, g) {
			return false
		}
		v := contact.Clean(f, raw)
		if v != raw {
			v = contact.Clean(f, v)
		}
		buf = appendSumValue(buf, f, v)
	}
	l.from, l.row, l.Base = r.baseRecordsOf(t), int32(x.i), nil
	r.recSums.later(&l.BaseSum, buf)
	return true
}

// baseRecordsOf is the baseRecords of t (a side's table), made once.
func (r *reconciler) baseRecordsOf(t *contact.Table) *baseRecords {
	for _, b := range r.bases {
		if b.t == t {
			return b
		}
	}
	b := &baseRecords{t: t, fields: r.fields}
	r.bases = append(r.bases, b)
	return b
}

// sum sets the link's BaseSum to v's.
func (r *reconciler) sum(l *Link, v *contact.Values) {
	r.sums.buf = appendValuesSum(r.sums.buf[:0], v)
	l.BaseSum = r.sums.sum()
}

// appendValuesSum appends to b what the sum of v hashes: each value that
// is not empty, in field order, cleaned (once more, for a base's values).
func appendValuesSum(b []byte, v *contact.Values) []byte {
	for f := range v {
		if v[f] != "" {
			b = appendSumValue(b, contact.Field(f), contact.Clean(contact.Field(f), v[f]))
		}
	}
	return b
}

// unread reports whether the link carries no base (a quiet link of a state
// that gave only sums).
func (l *Link) unread() bool { return l.Base == nil && l.from == nil }

// sumBuilder accumulates the canonical form that SumValues hashes. Values
// must be added in ascending field order.
type sumBuilder struct{ buf []byte }

// add adds the clean value v of f; empty values are left out.
func (s *sumBuilder) add(f contact.Field, v string) { s.buf = appendSumValue(s.buf, f, v) }

// appendSumValue appends what sumBuilder.add adds to b: f's number, the
// value's length (4 bytes, big-endian) and the value, an e-mail folded;
// nothing for an empty value.
func appendSumValue(b []byte, f contact.Field, v string) []byte {
	if v == "" {
		return b
	}
	if f.IsEmail() {
		b = append(b, byte(f), 0, 0, 0, 0) // room for the length
		start := len(b)
		b = appendFold(b, v)
		binary.BigEndian.PutUint32(b[start-4:], uint32(len(b)-start))
		return b
	}
	b = append(b, byte(f), byte(len(v)>>24), byte(len(v)>>16), byte(len(v)>>8), byte(len(v)))
	return append(b, v...)
}

func (s *sumBuilder) sum() BaseSum {
	h := sha256.Sum256(s.buf)
	return BaseSum(h[:16])
}

// appendFold appends v with every rune replaced by the smallest rune of
// its case-folding orbit (unicode.SimpleFold), bytes that are not UTF-8 by
// U+FFFD: two strings fold alike exactly when strings.EqualFold says they
// are equal. An ASCII value (most addresses) is copied and upper-cased in
// place.
func appendFold(b []byte, v string) []byte {
	start := len(b)
	b = append(b, v...)
	for i := start; i < len(b); i++ {
		c := b[i]
		if c >= utf8.RuneSelf {
			return appendFoldRunes(b[:i], v[i-start:])
		}
		if 'a' <= c && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
	return b
}

// appendFoldRunes is appendFold of a value that is not ASCII.
func appendFoldRunes(b []byte, v string) []byte {
	for i := 0; i < len(v); {
		c := v[i]
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			b = append(b, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(v[i:])
		i += n
		b = utf8.AppendRune(b, foldMin(r))
	}
	return b
}

// foldMin returns the smallest rune of r's case-folding orbit.
func foldMin(r rune) rune {
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		m = min(m, f)
	}
	return m
}

// sideSum is the BaseSum of the record of pr on side s as the merge reads
// it (actualValue), over the mapped fields.
func (r *reconciler) sideSum(pr *pair, s Side) BaseSum {
	buf := r.sums.buf[:0]
	for _, f := range r.sortedFields {
		buf = appendSumValue(buf, f, r.actualValue(pr, s, f))
	}
	r.sums.buf = buf
	return r.sums.sum()
}

// quiet reports whether pr's base can stay unread: both records are
// present and in scope, no update of the last cycle is pending (the merge
// then reads the base to tell an update not imported), and both records
// hash to the link's BaseSum, so the merge would change no field.
func (r *reconciler) quiet(pr *pair) bool {
	l := pr.link()
	if !(l.BaseSum != BaseSum{} && pr.crm >= 0 && pr.ol >= 0 && l.CRMID != "" && r.crmInScope(int(pr.crm)) &&
		l.PendingCRM().Op != OpUpdate && l.PendingOutlook().Op != OpUpdate) { // still the last cycle's
		return false
	}
	sum, same := r.crmSumSame(pr)
	return sum == l.BaseSum && (same || r.sideSum(pr, Outlook) == l.BaseSum)
}

// crmSumSame returns sideSum(pr, CRM) and whether both records of pr hold
// the same value in every mapped field, so that the merge reads them
// alike (then their sums are equal too), reading the CRM record's values
// once for both. An interned value is compared by its handle (one handle
// of the shared pool), a value unique to a record by its bytes (see
// contact.Table.SameValue), which costs less than the Outlook record's
// sum.
func (r *reconciler) crmSumSame(pr *pair) (BaseSum, bool) {
	ct, ot := r.ct, r.ot
	acc := pr.link().NameAccount
	same := acc == "" // else the CRM's company may read as empty
	pool := ct.Pool()
	// Both records' handles of the fields, each record's page found once.
	n := len(r.sortedFields)
	if len(r.sumHandles) < 2*n {
		r.sumHandles = make([]contact.Handle, 2*n)
	}
	hs, gs := r.sumHandles[:n], r.sumHandles[n:2*n]
	ct.Handles(int(pr.crm), r.sortedFields, hs)
	ot.Handles(int(pr.ol), r.sortedFields, gs)
	buf := r.sums.buf[:0] // in a local, kept in a register as it grows
	for k, f := range r.sortedFields {
		h := hs[k]
		if h == 0 { // "", and only "": no value to sum, the same only as ""
			same = same && gs[k] == 0
			continue
		}
		raw := pool.Get(h)
		v := contact.Clean(f, raw)
		if f == contact.Company && acc != "" && v == acc {
			v = "" // actualValue
		}
		buf = appendSumValue(buf, f, v)
		same = same && sameHandle(ct, h, raw, f, ot, gs[k])
	}
	r.sums.buf = buf
	return r.sums.sum(), same
}

// sameAs is contact.Table.SameValue(i, f, u, j) of a record i of t whose
// field f has handle h and value v.
func sameAs(t *contact.Table, h contact.Handle, v string, f contact.Field, u *contact.Table, j int) bool {
	return sameHandle(t, h, v, f, u, u.Handle(j, f))
}

// sameHandle is sameAs of the record of u whose handle of f is g.
func sameHandle(t *contact.Table, h contact.Handle, v string, f contact.Field, u *contact.Table, g contact.Handle) bool {
	if t.Pool() == u.Pool() {
		if h == g {
			return true
		}
		if contact.Interned(f) {
			return false
		}
	}
	if h == 0 || g == 0 { // "" is 0, and only ""
		return h == g
	}
	return v == u.Pool().Get(g)
}

// loadBases reads the base of every state link that is not quiet, a
// chunk at a time (see readBases). Links the state gave with their base
// keep it. A link that waits for the CRM to create its contact while its
// Outlook record still holds its base (waitsQuietly) is left unread too:
// that record tells its contact (matchCreatedCRM), and readWaited reads
// the bases of those that are not quiet once it is found.
func (r *reconciler) loadBases() error {
	var need []*pair
	for _, pr := range r.pairs {
		switch {
		case !pr.link().unread() || r.quiet(pr):
		case r.waitsQuietly(pr):
			pr.waits = true
		default:
			need = append(need, pr)
		}
	}
	return r.readBases(need)
}

// readBases reads the bases of the links of need (in id order) in calls
// to State.Bases.
func (r *reconciler) readBases(need []*pair) error {
	if len(need) == 0 {
		return nil
	}
	ids := make([]int64, len(need))
	for i, pr := range need {
		ids[i] = pr.link().ID
	}
	// A base read whole is 41 strings (656 bytes) and the text they are
	// read from; it is kept packed, in a fifth of that (a second cycle at a
	// million links reads the bases of a hundred thousand and more), and
	// unpacked when the merge reads it. They are read a chunk at a time,
	// each packed before the next is read: read all at once, a million
	// links' hundred thousand bases were 60 MB more at once, while the
	// cycle's memory is at its peak.
	for start := 0; start < len(ids); start += loadChunk {
		end := min(len(ids), start+loadChunk)
		vs, err := r.fetchBases(ids[start:end])
		if err != nil {
			return err
		}
		for i, pr := range need[start:end] {
			r.pack(pr.link(), vs[i])
			vs[i] = nil
		}
	}
	return nil
}

// waitsQuietly reports whether pr's link waits for the CRM to create its
// contact (it has no CRM id yet) while its Outlook record holds its base:
// no update of the last cycle is pending (the guards read the base to
// tell it imported), and the record hashes to the link's BaseSum, so that
// its mapped values are the base's (an e-mail's but for letter case) and
// the base holds no other. Its contact is then found by the record's
// values as by the base's (matchCreatedCRM), which a first cycle's tenth
// of a million links from Outlook records would otherwise read, merge and
// rewrite for nothing. Not when keys compare case-sensitively (a base's
// e-mail is its identifier then, letter case and all), nor when a mapped
// e-mail of the record is not ASCII: an ASCII address lower-cases as any
// address that folds like it (but for a long s, U+017F, in the base), so
// that the CRM's contacts are looked up by the same address.
func (r *reconciler) waitsQuietly(pr *pair) bool {
	l := pr.link()
	if r.p.CaseSensitiveKeys || l.CRMID != "" || pr.crm >= 0 || pr.ol < 0 || l.BaseSum.IsZero() ||
		l.PendingCRM().Op == OpUpdate || l.PendingOutlook().Op == OpUpdate {
		return false
	}
	for _, f := range emailFields {
		if r.mapped[f] && !isASCII(r.ot.Get(int(pr.ol), f)) {
			return false
		}
	}
	return r.sideSum(pr, Outlook) == l.BaseSum
}

// isASCII reports whether v is ASCII only.
func isASCII(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// waitedBase sets *v to the base of a link that waitsQuietly: its Outlook
// record's mapped values as the merge reads them.
func (r *reconciler) waitedBase(pr *pair, v *contact.Values) {
	*v = contact.Values{}
	for _, f := range r.fields {
		v[f] = r.actualValue(pr, Outlook, f)
	}
}

// readWaited reads the bases that loadBases left to the links waiting for
// their CRM contact (waitsQuietly), but for those found now and quiet:
// both records hold the base, and there is nothing to merge. It runs once
// matchCreatedCRM found their contacts and gave them their ids.
func (r *reconciler) readWaited() error {
	var need []*pair
	for _, pr := range r.pairs {
		if pr.waits {
			pr.waits = false
			if !(pr.crm >= 0 && r.quiet(pr)) {
				need = append(need, pr)
			}
		}
	}
	return r.readBases(need)
}

// loadChunk is how many bases loadBases reads at a time.
const loadChunk = 4096

// fetchBases asks the state's Bases for ids (ascending).
func (r *reconciler) fetchBases(ids []int64) ([]*contact.Values, error) {
	return fetchBases(&r.st, ids)
}

func fetchBases(st *State, ids []int64) ([]*contact.Values, error) {
	if st.Bases == nil {
		return nil, fmt.Errorf("the state holds links %d... without their base and gives no way to read it", ids[0])
	}
	vs, err := st.Bases.Bases(ids)
	if err != nil {
		return nil, fmt.Errorf("read the base of %d links: %w", len(ids), err)
	}
	if len(vs) != len(ids) {
		return nil, fmt.Errorf("read the base of %d links: got %d", len(ids), len(vs))
	}
	for i, v := range vs {
		if v == nil {
			return nil, fmt.Errorf("read the base of link %d: none", ids[i])
		}
	}
	return vs, nil
}

// base returns the base of pr's link, reading it when the state gave it
// without (a link loadBases found quiet but a later step needs after all).
// A read that fails is remembered in r.err and reads as an empty base; the
// cycle then fails with it.
func (r *reconciler) base(pr *pair) *contact.Values {
	if pr.link().Base == nil && pr.link().from != nil && pr.link().from.t != nil {
		return pr.link().Values() // not kept: the record is what the link holds
	}
	if pr.link().Base == nil && pr.link().from != nil {
		v, err := UnpackValues(pr.link().from.packed[pr.link().row])
		if err != nil {
			if r.err == nil {
				r.err = fmt.Errorf("link %d: %w", pr.link().ID, err)
			}
			return &contact.Values{}
		}
		return v // not kept: the packed form is what the link holds
	}
	if pr.link().Base == nil {
		vs, err := r.fetchBases([]int64{pr.link().ID})
		if err != nil {
			if r.err == nil {
				r.err = err
			}
			return &contact.Values{}
		}
		r.pack(pr.link(), vs[0]) // kept packed, as loadBases keeps what it reads
		return vs[0]
	}
	return pr.link().Base
}

// baseTo sets *v to the base of pr's link, as base returns it, without
// the copy base makes of a base held packed or as a record: for the steps
// that read a base into a Values of their own (the merge of every link
// whose records changed, the links waiting for the CRM's new records).
func (r *reconciler) baseTo(pr *pair, v *contact.Values) {
	l := pr.link()
	switch {
	case l.Base == nil && l.from != nil && l.from.t != nil:
		*v = contact.Values{}
		l.from.values(l.row, v)
	case l.Base == nil && l.from != nil:
		if err := unpackInto(l.from.packed[l.row], v); err != nil {
			if r.err == nil {
				r.err = fmt.Errorf("link %d: %w", l.ID, err)
			}
			*v = contact.Values{}
		}
	default:
		*v = *r.base(pr)
	}
}

// FillBases gives every link of links whose id is in ids its base, read
// through st.Bases when the state carries it without: for Undo and Discard,
// which read the base of the links a cycle touched.
func fillBases(st *State, links []LinkState, ids map[int64]bool) error {
	var want []int64
	var at []int
	for i := range links {
		if links[i].HasBase() && ids[links[i].ID] {
			links[i].Base = links[i].Values()
			links[i].from, links[i].row = nil, 0
		}
		if links[i].Base == nil && ids[links[i].ID] {
			want = append(want, links[i].ID)
			at = append(at, i)
		}
	}
	if len(want) == 0 {
		return nil
	}
	if !slices.IsSorted(want) {
		return fmt.Errorf("the state's links are not in id order")
	}
	vs, err := fetchBases(st, want)
	if err != nil {
		return err
	}
	for k, i := range at {
		links[i].Base = vs[k]
	}
	return nil
}
