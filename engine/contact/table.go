package contact

import (
	"hash/maphash"
	"math"
	"slices"
	"strconv"
	"time"
)

// Table is the columnar store of one side's records, what the engine
// reconciles: per record its key, modification time and where that came
// from, its line, one Handle per kept field into an interned string pool
// (see Strings), and the CRM attributes likewise. Extra is not kept: a
// writer that needs the unmapped data reads the side's input again.
//
// A record costs about 4 bytes per kept field plus 30 bytes (the columns
// are kept in pages of 1,024 records, see column), and its values: each
// distinct value of a field that repeats is stored once per pool (tables
// that share a pool, see Sibling, store a company both sides hold once),
// and a value unique to a record in the table's own arena (see appended).
//
// The fields kept are the ones NewTable is given plus IdentityFields, which
// the engine reads whatever the mapping (matching by e-mail and name,
// display names). Get of a field not kept returns "".
type Table struct {
	pool   *Strings
	fields []Field         // kept, in column order
	col    [NumFields]int8 // column of each field, -1 when not kept
	w      int             // len(fields)

	n       int            // records
	cells   column[Handle] // w per record
	crm     column[Handle] // numCRM per record; no pages while no record has CRM attributes
	keys    column[Handle]
	from    column[Handle] // ModifiedFrom
	modSec  column[int64]  // zeroTime for the zero time
	modNsec column[int32]  // no pages while every time is whole seconds
	modLoc  column[uint8]  // index into locs; no pages while every time is UTC
	lines   column[int32]

	locs  []*time.Location
	zones map[zone]uint8

	own   appender    // where the values unique to a record go (see appended)
	index internIndex // the handles of the values the table interned
	// last is the handle each interned column was given last: the cells',
	// then ModifiedFrom's, then the CRM attributes' (see internAt); lastV
	// its value, in the pool.
	last  []Handle
	lastV []string
}

// IdentityFields are kept by every Table whatever its mapping: the engine
// matches records by e-mail and by name and company, and names them by
// DisplayName.
var IdentityFields = []Field{First, Middle, Last, Company, Email1, Email2, Email3}

// zeroTime is modSec of a record whose modification time is the zero time.
const zeroTime = math.MinInt64

// numCRM is the number of CRM attributes a record holds.
const numCRM = 5

type zone struct {
	name   string
	offset int
}

// NewTable returns an empty table that keeps fields (the mapped ones) and
// IdentityFields, with a pool of its own.
func NewTable(fields []Field) *Table { return NewTableIn(NewStrings(), fields) }

// NewTableIn is NewTable with the values interned into pool, which other
// tables may share.
func NewTableIn(pool *Strings, fields []Field) *Table {
	t := &Table{pool: pool}
	for i := range t.col {
		t.col[i] = -1
	}
	for _, fs := range [][]Field{fields, IdentityFields} {
		for _, f := range fs {
			if f >= 0 && int(f) < NumFields && t.col[f] < 0 {
				t.col[f] = int8(len(t.fields))
				t.fields = append(t.fields, f)
			}
		}
	}
	t.w = len(t.fields)
	t.last = make([]Handle, t.w+1+numCRM)
	t.lastV = make([]string, len(t.last))
	t.cells.w, t.crm.w = t.w, numCRM
	t.keys.w, t.from.w, t.modSec.w, t.modNsec.w, t.modLoc.w, t.lines.w = 1, 1, 1, 1, 1, 1
	// UTC and Local are locations 0 and 1, the usual ones.
	t.locs = []*time.Location{time.UTC, time.Local}
	return t
}

// Sibling returns an empty table with the same fields that shares t's pool:
// the other side of a cycle, whose values are mostly the same ones.
func (t *Table) Sibling() *Table { return NewTableIn(t.pool, t.fields) }

// Pool returns the string pool of the table.
func (t *Table) Pool() *Strings { return t.pool }

// Fields returns the fields the table keeps, in column order.
func (t *Table) Fields() []Field { return slices.Clone(t.fields) }

// Has reports whether the table keeps field f.
func (t *Table) Has(f Field) bool { return f >= 0 && int(f) < NumFields && t.col[f] >= 0 }

// Grow makes room for n more records. The columns grow a page at a time
// and never copy what they hold, so it need not be called; it is kept for
// callers that know their size.
func (t *Table) Grow(n int) {}

// Add appends c (without its Extra). The error, an *AddError wrapping
// ErrFull, says the pool has no room left for c's values: the table is as
// it was before the call.
func (t *Table) Add(c *Contact) error {
	i := t.n
	if err := t.addValues(i, c); err != nil {
		t.truncate(i)
		return err
	}
	t.n++
	t.lines.add(i)[0] = int32(min(c.Line, 1<<31-1))
	sec, ns, loc := int64(zeroTime), int32(0), uint8(0)
	if !c.Modified.IsZero() {
		sec, ns, loc = c.Modified.Unix(), int32(c.Modified.Nanosecond()), t.location(c.Modified)
	}
	t.modSec.add(i)[0] = sec
	// The nanoseconds and zones only once a record has them: the times of
	// an export or a dump are whole seconds, in UTC.
	if ns != 0 || t.modNsec.pages != nil {
		if t.modNsec.pages == nil {
			t.modNsec.fill(i)
		}
		t.modNsec.add(i)[0] = ns
	}
	if loc != 0 || t.modLoc.pages != nil {
		if t.modLoc.pages == nil {
			t.modLoc.fill(i)
		}
		t.modLoc.add(i)[0] = loc
	}
	return nil
}

// addValues adds the handles of c's values as record i: the kept fields,
// the key, ModifiedFrom and the CRM attributes.
func (t *Table) addValues(i int, c *Contact) error {
	row := t.cells.add(i)
	var err error
	for k, f := range t.fields {
		if appended[f] {
			row[k], err = t.pool.appendTo(&t.own, c.Values[f])
		} else {
			row[k], err = t.internAt(k, c.Values[f])
		}
		if err != nil {
			return &AddError{Line: c.Line, Field: f.String(), Err: err}
		}
	}
	if t.keys.add(i)[0], err = t.pool.appendTo(&t.own, c.Key); err != nil {
		return &AddError{Line: c.Line, Field: "key", Err: err}
	}
	if t.from.add(i)[0], err = t.internAt(t.w, c.ModifiedFrom); err != nil {
		return &AddError{Line: c.Line, Field: "modified_from", Err: err}
	}
	if c.CRM == (CRM{}) && t.crm.pages == nil {
		return nil
	}
	if t.crm.pages == nil {
		t.crm.fill(i)
	}
	h := t.crm.add(i)
	for k, v := range [numCRM]string{c.CRM.AccountID, c.CRM.Owner, c.CRM.AccountManagerID, c.CRM.Type, c.CRM.Status} {
		if h[k], err = t.internAt(t.w+1+k, v); err != nil {
			return &AddError{Line: c.Line, Field: crmNames[k], Err: err}
		}
	}
	return nil
}

// crmNames name the CRM attributes in the order of a record's handles.
var crmNames = [numCRM]string{"account_id", "owner", "account_manager_id", "type", "status"}

// appended tells the fields whose values are unique to a record, which a
// table appends to its own arena in the pool (see Strings) rather than
// interning them: e-mail addresses, direct and mobile phone numbers are
// one person's, a home or other street (with its number) one household's,
// and notes and web pages are written for one contact. Postal codes are
// appended too: short (appended, one costs a few bytes more than its
// handle) and of tens of thousands of values in a country, up to one per
// street (a UK postcode), which a lookup would find in a set too large
// for the cache. Looking a value of these fields up finds nothing in all
// but a few records, and costs a miss of the cache or two once the set
// outgrows it. The key (CONTACTID, entry id, UID) is unique by
// definition, and appended too.
//
// The other fields repeat from record to record and are interned: first
// and middle names, last names (a few thousand cover most people),
// prefixes and suffixes, companies, departments and job titles, cities,
// states and countries, birthdays (one of 36,525 days of a century) and
// categories; and a company's own values, which its contacts share: the
// business street (a CRM's contacts are people at accounts, at the
// account's address), the company's main phone and the office's fax. So
// are ModifiedFrom (one per file) and the CRM attributes (accounts and
// owners have many contacts, types and statuses are a short list).
// Interned, each distinct value is stored once for both sides, and the
// table's index of them (see internIndex) stays small enough for the
// cache.
var appended = func() (a [NumFields]bool) {
	for _, f := range []Field{Email1, Email2, Email3, PhoneBusiness, PhoneBusiness2, PhoneMobile, PhoneHome, PhoneHome2,
		PhoneFaxHome, PhoneOther, PhonePager, PhoneAssistant, HomeStreet, OtherStreet,
		BusinessPostalCode, HomePostalCode, OtherPostalCode, WebPage, Notes} {
		a[f] = true
	}
	return a
}()

// Interned reports whether the values of field f are interned, so that two
// records of tables sharing a pool hold the same value of f exactly when
// their handles are equal. The values of the other fields are appended
// (see appended): equal handles still mean equal values, but equal values
// may have different handles.
func Interned(f Field) bool { return f >= 0 && int(f) < NumFields && !appended[f] }

// internAt is intern of v, a value of column k of t.last: a value the
// same as the column's last one (a constant column, or a dump sorted by
// account, whose contacts share its company and address) takes no hash and
// no look into the index, nor into the pool: its length tells most others
// apart.
func (t *Table) internAt(k int, v string) (Handle, error) {
	if v == t.lastV[k] {
		return t.last[k], nil
	}
	h, err := t.intern(v, maphash.String(t.pool.seed, v))
	if err == nil {
		t.last[k], t.lastV[k] = h, t.pool.Get(h)
	}
	return h, err
}

// intern returns the handle of v, whose hash is hash, interned in the
// table's pool: found in the table's own index of the values it interned
// (no lock, no look into the pool's hash set, which the other side's
// reader shares), else interned in the pool and added to the index.
func (t *Table) intern(v string, hash uint64) (Handle, error) {
	if v == "" {
		return 0, nil
	}
	p := t.pool
	if h := t.index.find(p, v, hash); h != 0 {
		return h, nil
	}
	h, err := p.intern(v, hash)
	if err == nil {
		t.index.add(h, hash)
	}
	return h, err
}

// AddError is the error of Table.Add: the value of Field of the record at
// Line did not fit in the pool.
type AddError struct {
	Line  int
	Field string
	Err   error // ErrFull
}

func (e *AddError) Error() string {
	return "record at line " + strconv.Itoa(e.Line) + ": " + e.Field + ": " + e.Err.Error()
}

func (e *AddError) Unwrap() error { return e.Err }

// truncate removes the records from n on (a record Add gave up on).
func (t *Table) truncate(n int) {
	t.n = n
	t.cells.truncate(n)
	t.crm.truncate(n)
	t.keys.truncate(n)
	t.from.truncate(n)
	t.modSec.truncate(n)
	t.modNsec.truncate(n)
	t.modLoc.truncate(n)
	t.lines.truncate(n)
}

// location returns the index of the location of tm in t.locs: UTC, Local,
// or a fixed zone of the same name and offset (a parsed offset), which
// prints the same.
func (t *Table) location(tm time.Time) uint8 {
	switch tm.Location() {
	case time.UTC:
		return 0
	case time.Local:
		return 1
	}
	name, off := tm.Zone()
	z := zone{name, off}
	if k, ok := t.zones[z]; ok {
		return k
	}
	if len(t.locs) == 256 {
		// More zones than any export has: keep the instant, in UTC.
		return 0
	}
	if t.zones == nil {
		t.zones = map[zone]uint8{}
	}
	k := uint8(len(t.locs))
	t.locs = append(t.locs, time.FixedZone(name, off))
	t.zones[z] = k
	return k
}

// Len returns the number of records; 0 for a nil table.
func (t *Table) Len() int {
	if t == nil {
		return 0
	}
	return t.n
}

// Contacts returns every record as a Contact (see Contact); nil for a nil
// or empty table. For small tables and tests.
func (t *Table) Contacts() []Contact {
	if t.Len() == 0 {
		return nil
	}
	out := make([]Contact, t.Len())
	for i := range out {
		out[i] = t.Contact(i)
	}
	return out
}

// Key returns the key of record i.
func (t *Table) Key(i int) string { return t.pool.Get(t.keys.at(i, 0)) }

// Modified returns the modification time of record i.
func (t *Table) Modified(i int) time.Time {
	sec := t.modSec.at(i, 0)
	if sec == zeroTime {
		return time.Time{}
	}
	var ns int32
	var loc uint8
	if t.modNsec.pages != nil {
		ns = t.modNsec.at(i, 0)
	}
	if t.modLoc.pages != nil {
		loc = t.modLoc.at(i, 0)
	}
	return time.Unix(sec, int64(ns)).In(t.locs[loc])
}

// ModifiedFrom returns where the modification time of record i came from.
func (t *Table) ModifiedFrom(i int) string { return t.pool.Get(t.from.at(i, 0)) }

// Line returns the line (or record number) where record i starts.
func (t *Table) Line(i int) int { return int(t.lines.at(i, 0)) }

// Get returns the value of field f of record i; "" for a field not kept.
// It does not allocate.
func (t *Table) Get(i int, f Field) string { return t.pool.Get(t.Handle(i, f)) }

// Handle returns the handle of field f of record i; 0 ("") for a field not
// kept. Equal handles name equal values; two records of tables sharing a
// pool hold the same value of a field that is Interned exactly when their
// handles are equal (see SameValue for any field).
func (t *Table) Handle(i int, f Field) Handle {
	if f < 0 || int(f) >= NumFields || t.col[f] < 0 {
		return 0
	}
	return t.cells.at(i, int(t.col[f]))
}

// Handles sets dst[k] to Handle(i, fs[k]) for each field of fs (dst is at
// least as long): the fields of a record read at once, its page found
// once, for a reader of a few fields of every record.
func (t *Table) Handles(i int, fs []Field, dst []Handle) {
	c := &t.cells
	pg := &c.pages[i>>pageBits]
	o := i & (pageRecords - 1)
	dst = dst[:len(fs)]
	for k, f := range fs {
		j := int8(-1)
		if f >= 0 && int(f) < NumFields {
			j = t.col[f]
		}
		switch {
		case j < 0:
			dst[k] = 0
		case pg.keep == nil:
			dst[k] = pg.v[o*c.w+int(j)]
		case pg.keep[j] >= 0:
			dst[k] = pg.v[o*pg.stride+int(pg.keep[j])]
		default:
			dst[k] = pg.same[j] + Handle(o)*pg.step[j]
		}
	}
}

// SameValue reports whether field f of record i holds the same value as
// field f of record j of u: from the handles alone when they are equal, or
// when the field is Interned in one pool; else by the values.
func (t *Table) SameValue(i int, f Field, u *Table, j int) bool {
	h, g := t.Handle(i, f), u.Handle(j, f)
	if t.pool == u.pool {
		if h == g {
			return true
		}
		if Interned(f) {
			return false
		}
	}
	if h == 0 || g == 0 { // "" is 0, and only ""
		return h == g
	}
	return t.pool.Get(h) == u.pool.Get(g)
}

// CRM returns the CRM attributes of record i.
func (t *Table) CRM(i int) CRM {
	if t.crm.pages == nil {
		return CRM{}
	}
	var buf [numCRM]Handle
	h := t.crm.row(i, buf[:])
	p := t.pool
	return CRM{AccountID: p.Get(h[0]), Owner: p.Get(h[1]), AccountManagerID: p.Get(h[2]), Type: p.Get(h[3]), Status: p.Get(h[4])}
}

// Owner returns the owner (SECCODEID) of record i without the other CRM
// attributes.
func (t *Table) Owner(i int) string {
	if t.crm.pages == nil {
		return ""
	}
	return t.pool.Get(t.crm.at(i, 1))
}

// Values returns the values of record i: the kept fields, the others empty.
func (t *Table) Values(i int) Values {
	var v Values
	t.ValuesInto(i, &v)
	return v
}

// ValuesInto sets the kept fields of v to those of record i and clears the
// others.
func (t *Table) ValuesInto(i int, v *Values) {
	*v = Values{}
	var buf [NumFields]Handle
	row := t.cells.row(i, buf[:])
	for k, f := range t.fields {
		v[f] = t.pool.Get(row[k])
	}
}

// Contact returns record i as a Contact, without Extra.
func (t *Table) Contact(i int) Contact {
	c := Contact{Key: t.Key(i), Modified: t.Modified(i), ModifiedFrom: t.ModifiedFrom(i), CRM: t.CRM(i), Line: t.Line(i)}
	t.ValuesInto(i, &c.Values)
	return c
}

// DisplayName is Contact.DisplayName of record i.
func (t *Table) DisplayName(i int) string {
	return displayName(t.Get(i, First), t.Get(i, Middle), t.Get(i, Last), t.Get(i, Company), t.Get(i, Email1))
}

// Size returns the bytes the table holds, without its pool.
func (t *Table) Size() int {
	return t.cells.size(4) + t.crm.size(4) + t.keys.size(4) + t.from.size(4) + t.lines.size(4) + t.modNsec.size(4) +
		t.modSec.size(8) + t.modLoc.size(1)
}

// TableOf returns a table of cs, which keeps fields (see NewTable): for
// tests, and no input reaches it. It panics when cs's values do not fit
// in a pool (more than 4 GiB of them): a reader's records go through Add,
// whose error says where.
func TableOf(fields []Field, cs []Contact) *Table {
	t := NewTable(fields)
	t.Grow(len(cs))
	for i := range cs {
		if err := t.Add(&cs[i]); err != nil {
			panic("contact.TableOf: " + err.Error())
		}
	}
	return t
}

// Records is read access to a list of records by index: a *Table, or
// Contacts.
type Records interface {
	Len() int
	Key(i int) string
	Line(i int) int
	Get(i int, f Field) string
	DisplayName(i int) string
}

// Contacts are records as Contacts (Records).
type Contacts []Contact

func (cs Contacts) Len() int                  { return len(cs) }
func (cs Contacts) Key(i int) string          { return cs[i].Key }
func (cs Contacts) Line(i int) int            { return cs[i].Line }
func (cs Contacts) Get(i int, f Field) string { return cs[i].Values[f] }
func (cs Contacts) DisplayName(i int) string  { return cs[i].DisplayName() }

var (
	_ Records = (*Table)(nil)
	_ Records = Contacts(nil)
)

// Reset removes every record; the pool keeps its values.
func (t *Table) Reset() {
	t.n = 0
	t.cells.reset()
	t.crm.pages = nil
	t.keys.reset()
	t.from.reset()
	t.modSec.reset()
	t.modNsec.pages = nil
	t.modLoc.pages = nil
	t.lines.reset()
}

// Clip lets go of the room the columns' last pages hold beyond their
// records, and of the index of the values the table interned: for a table
// whose records are all added.
func (t *Table) Clip() {
	t.index = internIndex{}
	t.cells.clip()
	t.crm.clip()
	t.keys.clip()
	t.from.clip()
	t.modSec.clip()
	t.modNsec.clip()
	t.modLoc.clip()
	t.lines.clip()
}
